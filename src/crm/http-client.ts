// The CRM over HTTP, for activities and the mailer: every reply validated against the contract, every
// failure an ApplicationFailure classified by src/http/errors.
import { createCaller, type HttpClientOptions } from '../http/client';
import { crmApi as api } from './api';
import type { CrmSystem } from './system';

export function createCrmClient(options: HttpClientOptions): CrmSystem {
  const call = createCaller('crm', options);
  return {
    getCustomers: (customerIds) => call('getCustomers', api.getCustomers, { body: { customerIds } }),
    getAccountManagers: (accountManagerIds) => call('getAccountManagers', api.getAccountManagers, { body: { accountManagerIds } }),
    recordCommunication: (body) => call('recordCommunication', api.recordCommunication, { body }),
    findCommunication: (messageId) => call('findCommunication', api.findCommunication, { query: { messageId } }),
    findCommunications: (messageIds) => call('findCommunications', api.findCommunications, { body: { messageIds } }),
    listCommunications: (query) => call('listCommunications', api.listCommunications, { query }),
    grantCredit: (body) => call('grantCredit', api.grantCredit, { body }),
    grantCredits: (body) => call('grantCredits', api.grantCredits, { body }),
    listCredits: (query) => call('listCredits', api.listCredits, { query }),
    reportCustomerStock: (body) => call('reportCustomerStock', api.reportCustomerStock, { body }),
  };
}
