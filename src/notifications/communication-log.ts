// The CRM's record of every communication, as the mailer needs it. The CRM client implements this; the
// mailer only reads by Message-ID and writes under an idempotency key, so a repeated write is harmless.

export type CommunicationOutcome = 'sent' | 'rejected' | 'failed';

export interface CommunicationEntry {
  idempotencyKey: string;
  incidentId: string;
  recipient: string;
  customerId?: string;
  accountManagerId?: string;
  kind: string;
  messageId: string;
  outcome: CommunicationOutcome;
  detail?: string;
}

export interface CommunicationLog {
  /** The latest entry for each Message-ID, null for one never logged, in the order asked (at most 500 at once). */
  findCommunications(messageIds: string[]): Promise<({ messageId: string; outcome: CommunicationOutcome } | null)[]>;
  /** Logs every entry, each once under its key, in one request (at most 500); a refused entry refuses them all. */
  recordCommunications(request: { items: CommunicationEntry[] }): Promise<unknown>;
}
