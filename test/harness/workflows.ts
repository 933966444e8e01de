// The workflow bundle tests run: the product's workflows plus small fixtures that exercise the harness itself.
export * from '../../workflows';
export * from './fixture-workflows';
