// In-memory stand-in for the CRM's communication log, with the same idempotent-by-key semantics, plus a
// switch to make the next write requests fail (a crash between SMTP acceptance and the log write), and one to hold them (a slow CRM).
import { ApplicationFailure } from '@temporalio/common';
import type { CommunicationEntry, CommunicationLog } from '../../src/notifications/communication-log';

export class MemoryCommunicationLog implements CommunicationLog {
  private readonly byKey = new Map<string, CommunicationEntry>();
  private readonly byMessageId = new Map<string, CommunicationEntry>();
  /** Every write attempt, including repeats and failed ones. */
  readonly writes: CommunicationEntry[] = [];
  failNextWrites = 0;

  async findCommunications(messageIds: string[]) {
    return messageIds.map((messageId) => {
      const entry = this.byMessageId.get(messageId);
      return entry ? { messageId: entry.messageId, outcome: entry.outcome } : null;
    });
  }

  /** Every write request, by the entries it carried. */
  readonly requests: CommunicationEntry[][] = [];
  /** When set, a write request waits for it before it is applied (a slow CRM). */
  holdWrites: Promise<void> | undefined;
  /** Entries the CRM refuses (as it does an unknown customer): a request holding one is refused whole, naming it. */
  refuse: (entry: CommunicationEntry) => boolean = () => false;

  async recordCommunications({ items }: { items: CommunicationEntry[] }) {
    this.writes.push(...items);
    this.requests.push(items);
    if (this.holdWrites) await this.holdWrites;
    if (this.failNextWrites > 0) {
      this.failNextWrites -= 1;
      throw new Error('CRM unavailable');
    }
    const refused = items.findIndex(this.refuse);
    if (refused >= 0) throw ApplicationFailure.nonRetryable(`items.${refused}: unknown customer "${items[refused]!.customerId}"`, 'Rejected');
    return items.map((entry) => {
      if (!this.byKey.has(entry.idempotencyKey)) {
        this.byKey.set(entry.idempotencyKey, entry);
        this.byMessageId.set(entry.messageId, entry);
      }
      return this.byKey.get(entry.idempotencyKey);
    });
  }

  entries(): CommunicationEntry[] {
    return [...this.byKey.values()];
  }
}
