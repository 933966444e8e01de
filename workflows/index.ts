// Every workflow the worker registers.
export { stockoutIncident } from './incident';
export { thresholdScan } from './threshold-scan';
