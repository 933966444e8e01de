// Every workflow the worker registers.
export { stockoutIncident } from './incident';
