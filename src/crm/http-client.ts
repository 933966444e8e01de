// The CRM over HTTP, for activities and the mailer: every reply validated against the contract, every
// failure an ApplicationFailure classified by src/http/errors.
import { createCaller, passingOn, type HttpClientOptions } from '../http/client';
import { crmApi as api } from './api';
import type { CrmSystem } from './system';

export function createCrmClient(options: HttpClientOptions): CrmSystem {
  const call = createCaller('crm', options);
  return {
    getCustomers: (customerIds) => call('getCustomers', api.getCustomers, { body: { customerIds } }),
    getAccountManagers: (accountManagerIds) => call('getAccountManagers', api.getAccountManagers, { body: { accountManagerIds } }),
    findCommunication: (messageId) => call('findCommunication', api.findCommunication, { query: { messageId } }),
    findCommunications: (messageIds) => call('findCommunications', api.findCommunications, { body: { messageIds } }),
    ...passingOn(call, api, ['recordCommunication', 'recordCommunications', 'listCommunications', 'grantCredit', 'grantCredits', 'listCredits', 'reportCustomerStock']),
  };
}
