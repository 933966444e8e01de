// The `stockout` CLI without Temporal: argument parsing, exit codes, tables, and the real executable.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { OperationError } from '../../src/operations/incident-operations';
import { parseCommandLine } from '../../src/cli/args';
import { formatComparison, formatList, formatPlanLines, formatReport, formatState, table } from '../../src/cli/format';
import { EXIT, run } from '../../src/cli/main';
import { buildIncidentReport, type IncidentReport } from '../../src/report/incident-report';
import { fakeOperations, sampleComparison, samplePlan, sampleState } from '../api/fake-operations';
import { freePorts, spawnWatched } from '../harness/process';

function capture() {
  let text = '';
  return { write: (chunk: string) => (text += chunk), get text() { return text; } };
}

async function cli(argv: string[], operations = fakeOperations().operations) {
  const stdout = capture();
  const stderr = capture();
  let connected = false;
  const code = await run(argv, {
    operations: async () => {
      connected = true;
      return operations;
    },
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text, stderr: stderr.text, connected };
}

/** The command a valid command line builds. */
function commandLine(argv: string[]) {
  const invocation = parseCommandLine(argv);
  if (invocation.kind !== 'run') throw new Error(`expected a command, got ${JSON.stringify(invocation)}`);
  return invocation;
}

describe('argument parsing', () => {
  it('builds an approval with overrides, resolving the network:sku shorthand', () => {
    const { command, json } = commandLine(['approve', 'eu:SKU-1', '--revision', '2', '--by', 'pat', '--override', 'L1=5', '--override', 'ORD=7=0', '--json']);
    expect(json).toBe(true);
    expect(command).toEqual({
      name: 'decide',
      id: 'stockout:eu:SKU-1',
      decision: { decision: 'approve', planRevision: 2, decidedBy: 'pat', overrides: [{ lineId: 'L1', allocate: 5 }, { lineId: 'ORD=7', allocate: 0 }] },
    });
  });

  it('approves a revision made by overrides unseen only when told to', () => {
    const { command } = commandLine(['approve', 'eu:SKU-1', '--revision', '0', '--by', 'pat', '--override', 'L1=5', '--why', 'L1=key account', '--approve-revised']);
    expect(command).toMatchObject({ decision: { overrides: [{ lineId: 'L1', allocate: 5, reason: 'key account' }], approveRevisedPlan: true } });
  });

  it('builds an override preview from simulate --override, each --why given to the line it names', () => {
    const argv = ['simulate', 'eu:SKU-1', '--revision', '0', '--by', 'pat', '--override', 'L1=5', '--override', 'ORD=7=0', '--why', 'ORD=7=holds stock=plenty'];
    expect(commandLine(argv).command).toEqual({
      name: 'preview',
      id: 'stockout:eu:SKU-1',
      preview: { planRevision: 0, previewedBy: 'pat', overrides: [{ lineId: 'L1', allocate: 5 }, { lineId: 'ORD=7', allocate: 0, reason: 'holds stock=plenty' }] },
    });
  });

  it('builds a plan query from its filters', () => {
    const argv = ['plan', 'eu:SKU-1', '--customer', 'acme', '--stage', 'integrated', '--reason', 'concentration-cap', '--outcome', 'partial', '--revision', '2', '--limit', '20'];
    expect(commandLine(argv).command).toEqual({
      name: 'plan',
      id: 'stockout:eu:SKU-1',
      query: { customer: 'acme', stage: 'integrated', reason: 'concentration-cap', outcome: 'partial', revision: 2, sort: 'priority', limit: 20 },
    });
  });

  it('lists only ended incidents when asked', () => {
    expect(commandLine(['list', '--network', 'eu', '--status', 'ended']).command).toEqual({ name: 'list', filter: { network: 'eu', status: 'ended', limit: 100 } });
  });

  it('keeps a full workflow id as it is and maps reject --reason to the comment', () => {
    expect(commandLine(['reject', 'stockout:eu:SKU-1', '--revision', '0', '--reason', 'too generous to the big account', '--by', 'pat']).command).toEqual({
      name: 'decide',
      id: 'stockout:eu:SKU-1',
      decision: { decision: 'reject', planRevision: 0, decidedBy: 'pat', comment: 'too generous to the big account' },
    });
  });

  it('derives a stable answer id so recording the same answer twice is one answer', () => {
    const argv = ['answer', 'eu:SKU-1', '--customer', 'C1', '--line', 'L1', '--answer', 'can-wait', '--on-hand', '40'];
    const first = commandLine(argv).command;
    expect(first).toMatchObject({ name: 'answer', answer: { answer: 'can-wait', customerId: 'C1', lineId: 'L1', onHand: 40 } });
    expect(commandLine(argv).command).toEqual(first);
  });

  const bad: [string, string[], string][] = [
    ['a missing flag, named as typed', ['approve', 'eu:S', '--revision', '1'], '--by'],
    ['a number that is not one', ['approve', 'eu:S', '--revision', 'two', '--by', 'pat'], '--revision'],
    ['an override without quantity', ['approve', 'eu:S', '--revision', '1', '--by', 'pat', '--override', 'L1'], '--override'],
    ['a negative override', ['approve', 'eu:S', '--revision', '1', '--by', 'pat', '--override', 'L1=-3'], '--override.0.allocate'],
    ['a bad date', ['eta', 'eu:S', '--po', 'PO1', '--eta', '2025-13-01'], '--eta'],
    ['an unknown answer', ['answer', 'eu:S', '--customer', 'C', '--line', 'L', '--answer', 'maybe'], '--answer'],
    ['an unknown stage filter', ['list', '--stage', 'exploding'], '--stage'],
    ['an unknown status filter', ['list', '--status', 'closed'], '--status'],
    ['a missing id', ['show'], '<id>'],
    ['an id without network', ['show', 'SKU-1'], 'id'],
    ['an unknown option', ['show', 'eu:S', '--colour', 'red'], "'--colour'"],
    ['an extra argument', ['show', 'eu:S', 'more'], 'more'],
    ['an unknown command', ['explode'], 'explode'],
    ['help for an unknown command', ['help', 'explode'], '<command>'],
    ['simulate without a policy', ['simulate', 'eu:S'], '--policy'],
    ['simulate with a policy and overrides', ['simulate', 'eu:S', '--policy', 'p.json', '--override', 'L1=5'], '--policy'],
    ['a preview without the revision it changes', ['simulate', 'eu:S', '--by', 'pat', '--override', 'L1=5'], '--revision'],
    ['a reason for a line not overridden', ['simulate', 'eu:S', '--revision', '0', '--by', 'pat', '--override', 'L1=5', '--why', 'L2=x'], '--why'],
    ['a too long reason', ['simulate', 'eu:S', '--revision', '0', '--by', 'pat', '--override', 'L1=5', '--why', `L1=${'x'.repeat(501)}`], '--override.0.reason'],
    ['an unknown outcome filter', ['plan', 'eu:S', '--outcome', 'some'], '--outcome'],
    ['an unknown reason code filter', ['plan', 'eu:S', '--reason', 'because'], '--reason'],
    ['a fractional plan revision', ['plan', 'eu:S', '--revision', '1.5'], '--revision'],
    ['a zero restock', ['restock', 'eu:S', '--receipt', 'R1', '--quantity', '0'], '--quantity'],
    ['a SKU with a colon, which would share an incident id with another network', ['start', '--sku', 'A:B', '--network', 'eu', '--reason', 'x'], '--sku'],
  ];
  for (const [name, argv, field] of bad) {
    it(`refuses ${name}, naming ${field}`, () => {
      const invocation = parseCommandLine(argv);
      expect(invocation.kind).toBe('invalid');
      const { error } = invocation as Extract<typeof invocation, { kind: 'invalid' }>;
      expect(error).toBeInstanceOf(OperationError);
      expect(error.kind).toBe('invalid');
      expect(error.message).toContain(field);
    });
  }
});

describe('exit codes', () => {
  it('exits 2 on bad input without connecting to Temporal', async () => {
    const result = await cli(['restock', 'eu:SKU-1', '--receipt', 'R1', '--quantity', 'lots']);
    expect(result.code).toBe(EXIT.invalid);
    expect(result.stderr).toMatch(/^error: --quantity: /);
    expect(result.connected).toBe(false);
  });

  it('exits 2 when the policy file cannot be read or is not a policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stockout-cli-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, '{ not json');
    for (const path of [file, join(dir, 'missing.json')]) {
      const result = await cli(['simulate', 'eu:SKU-1', '--policy', path]);
      expect(result.code).toBe(EXIT.invalid);
      expect(result.stderr).toContain('--policy');
      expect(result.connected).toBe(false);
    }
  });

  it('exits 3 for an unknown incident and 4 when the incident refuses', async () => {
    const missing = await cli(['show', 'eu:NOPE'], fakeOperations({ failWith: new OperationError('not-found', 'no incident stockout:eu:NOPE') }).operations);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('no incident stockout:eu:NOPE');
    const refused = await cli(
      ['approve', 'eu:SKU-1', '--revision', '0', '--by', 'pat'],
      fakeOperations({ failWith: new OperationError('rejected', 'decision: no plan is awaiting approval (stage following-up)') }).operations,
    );
    expect(refused.code).toBe(EXIT.rejected);
    expect(refused.stderr).toContain('no plan is awaiting approval');
  });

  it('exits 1 when Temporal is unreachable or anything else fails', async () => {
    const down = await cli(['list'], fakeOperations({ failWith: new OperationError('unavailable', 'Temporal: connection refused') }).operations);
    expect(down.code).toBe(EXIT.failed);
    const other = await cli(['list'], fakeOperations({ failWith: new Error('boom') }).operations);
    expect(other.code).toBe(EXIT.failed);
    expect(other.stderr).toBe('error: boom\n');
  });

  it('exits 0 and passes the validated command to the operations', async () => {
    const { operations, calls } = fakeOperations({ started: false });
    const result = await cli(['start', '--sku', 'SKU-1', '--network', 'eu', '--reason', 'supplier fire', '--expected-restock', '2025-04-01'], operations);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe('Attached to running incident stockout:eu:SKU-1\n');
    expect(calls[0]!.args[0]).toMatchObject({ sku: 'SKU-1', network: 'eu', source: 'manual', reason: 'supplier fire', expectedRestock: '2025-04-01' });
  });

  it('says so when the trigger was already recorded by the ended incident', async () => {
    const operations = { ...fakeOperations().operations, trigger: async () => ({ workflowId: 'stockout:eu:SKU-1', started: false, alreadyRecorded: true as const }) };
    const result = await cli(['start', '--sku', 'SKU-1', '--network', 'eu', '--reason', 'supplier fire'], operations);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe('Already recorded by the ended incident stockout:eu:SKU-1\n');
  });

  it('prints JSON for scripts with --json', async () => {
    const result = await cli(['show', 'eu:SKU-1', '--json']);
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.stdout)).toEqual(sampleState());
  });

  it('prints help and exits 0', async () => {
    const result = await cli(['help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain('approve <id> --revision N');
    expect(result.connected).toBe(false);
  });
});

describe('help, version and mistakes', () => {
  const COMMANDS = ['start', 'list', 'show', 'report', 'simulate', 'plan', 'approve', 'reject', 'restock', 'eta', 'answer', 'cancel', 'resume'];

  it('explains approve: what it does, every flag with its meaning, and an example', async () => {
    const result = await cli(['approve', '--help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.connected).toBe(false);
    expect(result.stdout).toContain('Usage: stockout approve <id> --revision N --by NAME [--override LINE=QTY ... --approve-revised] [--comment TEXT]');
    expect(result.stdout).toContain('Approve the plan awaiting approval');
    for (const [flag, meaning] of [
      ['--revision <n>', 'the plan revision you reviewed'],
      ['--by <name>', 'who approves'],
      ['--override <line=qty>', 'allocate QTY units to order line LINE'],
      ['--comment <text>', 'a note kept with the decision'],
      ['--json', 'machine-readable output'],
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${flag}\\s+${meaning}`, 'm'));
    }
    expect(result.stdout).toMatch(/^Example:\n {2}\$ stockout approve \S+ --revision \d+ --by \S+/m);
  });

  for (const name of COMMANDS) {
    it(`explains ${name} with a description, a meaning for every flag and an example that parses`, async () => {
      const result = await cli([name, '--help']);
      expect(result.code).toBe(EXIT.ok);
      const [, description] = result.stdout.split('\n\n');
      expect(description!.trim().length).toBeGreaterThan(20);
      const options = result.stdout.split('Options:\n')[1]!.split('\n\n')[0]!.split('\n');
      // A flag without a meaning would stand alone on its line.
      expect(options.filter((line) => /^ {2}(-\w, )?--[\w-]+( <[^>]+>)?$/.test(line))).toEqual([]);
      const example = /^Example:\n {2}\$ stockout (.+)$/m.exec(result.stdout)?.[1];
      expect(example).toMatch(new RegExp(`^${name} `));
      const argv = example!.match(/"[^"]*"|\S+/g)!.map((word) => word.replace(/^"(.*)"$/, '$1'));
      expect(parseCommandLine(argv).kind).toBe('run');
    });
  }

  it('lists every command with its flags, also for a bare `stockout`', async () => {
    const result = await cli([]);
    expect(result.code).toBe(EXIT.ok);
    for (const name of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(result.stdout).toContain('restock <id> --receipt ID --quantity N');
  });

  it('prints the version of package.json', async () => {
    const result = await cli(['--version']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toBe(`${packageJson.version}\n`);
  });

  it('suggests the command meant by a mistyped one and exits 2', async () => {
    const result = await cli(['lst']);
    expect(result.code).toBe(EXIT.invalid);
    expect(result.stderr).toContain("unknown command 'lst'");
    expect(result.stderr).toContain('(Did you mean list?)');
    expect(result.connected).toBe(false);
  });

  it('prints errors as JSON with --json, each issue naming the flag, with the same exit codes', async () => {
    const bad = await cli(['restock', 'eu:SKU-1', '--receipt', 'R1', '--quantity', '0', '--json']);
    expect(bad.code).toBe(EXIT.invalid);
    expect(bad.stdout).toBe('');
    expect(JSON.parse(bad.stderr)).toEqual({
      error: expect.stringMatching(/^--quantity: /),
      issues: [{ path: '--quantity', message: expect.any(String) }],
    });
    const mistyped = await cli(['--json', 'lst']);
    expect(mistyped.code).toBe(EXIT.invalid);
    expect(JSON.parse(mistyped.stderr).error).toContain('Did you mean list?');
    const missing = await cli(['show', 'eu:NOPE', '--json'], fakeOperations({ failWith: new OperationError('not-found', 'no incident stockout:eu:NOPE') }).operations);
    expect(missing.code).toBe(EXIT.notFound);
    expect(JSON.parse(missing.stderr)).toEqual({ error: 'no incident stockout:eu:NOPE', issues: [] });
    const other = await cli(['list', '--json'], fakeOperations({ failWith: new Error('boom') }).operations);
    expect(other.code).toBe(EXIT.failed);
    expect(JSON.parse(other.stderr)).toEqual({ error: 'boom', issues: [] });
  });

  for (const quantity of ['0x10', '1e3', '1.5', ' 16', '']) {
    it(`refuses --quantity "${quantity}", which is no whole decimal number, before anything reaches the operations`, async () => {
      const { operations, calls } = fakeOperations();
      const result = await cli(['restock', 'eu:SKU-1', '--receipt', 'R1', '--quantity', quantity], operations);
      expect(result.code).toBe(EXIT.invalid);
      expect(result.stderr).toMatch(/^error: --quantity: /);
      expect(calls).toEqual([]);
      expect(result.connected).toBe(false);
    });
  }

  it('reads whole numbers in decimal digits, and decimals where the schema takes them', async () => {
    const { operations, calls } = fakeOperations();
    expect((await cli(['restock', 'eu:SKU-1', '--receipt', 'R1', '--quantity', '016'], operations)).code).toBe(EXIT.ok);
    expect(calls[0]!.args[1]).toEqual({ receiptId: 'R1', quantity: 16 });
    const answer = ['answer', 'eu:SKU-1', '--customer', 'C1', '--line', 'L1', '--answer', 'can-wait', '--on-hand', '40'];
    expect(commandLine([...answer, '--daily-usage', '2.5']).command).toMatchObject({ answer: { onHand: 40, dailyUsage: 2.5 } });
    const refused = await cli([...answer, '--daily-usage', '1e1'], operations);
    expect(refused.code).toBe(EXIT.invalid);
    expect(refused.stderr).toContain('--daily-usage');
    // A negative number is read, and the schema says why it does not fit.
    expect((await cli(['restock', 'eu:SKU-1', '--receipt', 'R1', '--quantity', '-5'], operations)).stderr).toMatch(/^error: --quantity: must be more than 0/);
    expect(calls).toHaveLength(1);
  });

  it('names who records a restock or an ETA change with --by, for the timeline', async () => {
    const { operations, calls } = fakeOperations();
    expect((await cli(['restock', 'eu:SKU-1', '--receipt', 'R1', '--quantity', '5', '--by', 'pat'], operations)).code).toBe(EXIT.ok);
    expect((await cli(['eta', 'eu:SKU-1', '--po', 'PO1', '--eta', '2026-12-20', '--by', 'pat'], operations)).code).toBe(EXIT.ok);
    expect(calls.map((c) => c.args[1])).toEqual([
      { receiptId: 'R1', quantity: 5, recordedBy: 'pat' },
      { poId: 'PO1', eta: '2026-12-20', recordedBy: 'pat' },
    ]);
  });
});

describe('tables', () => {
  it('aligns columns, numbers to the right', () => {
    expect(table(['NAME', 'UNITS'], [['hub', 5], ['spoke-north', 120]]).split('\n')).toEqual([
      'NAME         UNITS',
      'hub              5',
      'spoke-north    120',
    ]);
  });

  it('shows stage, severity, impact, the plan per relationship stage, backorders and the timeline', () => {
    const text = formatState(sampleState());
    expect(text).toMatch(/Stage\s+awaiting-approval/);
    expect(text).toMatch(/Severity\s+high/);
    expect(text).toMatch(/Shortage\s+30/);
    expect(text).toMatch(/Revenue at risk\s+3,000\.00/);
    expect(text).toMatch(/integrated\s+1\s+1\s+40\s+40\s+0\s+0\s+100\.0%\s+0/);
    expect(text).toMatch(/basic\s+1\s+2\s+60\s+20\s+10\s+30\s+50\.0%\s+0/);
    expect(text).toContain('Approval: pending (deadline 2025-03-01T12:00:00.000Z)');
    expect(text).toContain('Open backorders: 2 lines, 30 units');
    expect(text).toContain('Pending: 1 ');
    expect(text).toMatch(/2025-03-01 08:00:00\s+opened\s+manual: supplier fire/);
  });

  it('names the confirmations before the incident in the demand, the customers not told and why, the cap the work-conserving rule passed, and what substitute units cover', () => {
    const state = sampleState();
    const plan = samplePlan({ largestCustomerShare: 0.403, capPercent: 40, largestCustomerId: 'C-1', currency: 'EUR', customersToTell: 31 });
    state.impact = { ...state.impact!, demand: 14_750, affectedLines: 106, affectedCustomers: 38 };
    state.plan = { ...plan, totals: { ...plan.totals, requested: 16_110, lines: 108, customers: 38, substituted: 118, revenueAtRisk: 13_361.3 } };
    state.commit = { reservedLines: 60, reservedUnits: 9_000, backorderedLines: 40, backorderedUnits: 6_000, substituteUnits: 150, credits: 3 };
    const text = formatState(state);
    expect(text).toContain('14750 open units on 106 lines + 1360 units confirmed before the incident, which the plan may take back = 16110 units on 108 lines in the plan');
    expect(text).toContain("38 with open demand; 31 of the plan's 38 are told, the other 7 get every unit with their own product, so nothing changes for them and they are not told");
    expect(text).toContain('largest customer C-1 40.3% of the');
    expect(text).toContain('(cap 40%, exceeded by the work-conserving rule: no other line could take those units)');
    expect(text).toContain('150 units of substitute SKUs covering 118 ordered units');
    // The plan's figure, by the report's definition, with its currency.
    expect(text).toMatch(/Revenue at risk\s+13,361\.30 EUR \(plan revision 0\)/);
  });

  it('lists the plan exceptions a person must decide on, and says how many more the stored plan holds', () => {
    const state = sampleState();
    state.plan = { ...state.plan!, exceptions: ['line L7 (win) gets 10 of 40'], exceptionCount: 26 };
    const text = formatState(state);
    expect(text).toContain('Exceptions:\n  - line L7 (win) gets 10 of 40\n  … and 25 more in the stored plan');
  });

  it('shows what the plan shared: the pool plus released confirmations, what it used and left, and the kept confirmations', () => {
    const state = sampleState();
    const plan = samplePlan({ pool: 8112, poolUsed: 8450, poolLeft: 2, largestCustomerShare: 0.1234 });
    state.plan = { ...plan, totals: { ...plan.totals, allocated: 9470 } };
    const text = formatState(state);
    expect(text).toContain(
      'Plan revision 0 (policy default): pool 8112 + 340 released confirmations = 8452; used 8450; left 2; 1020 kept confirmations; ' +
        'largest customer 12.3% of the 9472 units of pool and confirmations',
    );
    // Named, with the policy's cap, when the summary carries them.
    state.plan = { ...state.plan, largestCustomerId: 'C-77', capPercent: 40 } as typeof state.plan;
    expect(formatState(state)).toContain('largest customer C-77 12.3% of the 9472 units of pool and confirmations (cap 40%)');
  });

  it('flags listed incidents that wait for a person', () => {
    const item = { runId: 'r', sku: 'S', network: 'eu', severity: 'high', startedAt: '2025-03-01T08:00:00.000Z', closedAt: null };
    const text = formatList([
      { ...item, workflowId: 'stockout:eu:A', status: 'RUNNING', stage: 'needs-attention' },
      { ...item, workflowId: 'stockout:eu:B', status: 'RUNNING', stage: 'awaiting-approval' },
      { ...item, workflowId: 'stockout:eu:C', status: 'RUNNING', stage: 'following-up' },
    ]);
    expect(text.split('\n')[0]).toMatch(/STARTED\s+ATTENTION$/);
    expect(text).toMatch(/stockout:eu:A .*needs-attention .* resume$/m);
    expect(text).toMatch(/stockout:eu:B .* decide plan$/m);
    expect(text).toMatch(/stockout:eu:C .*following-up.*2025-03-01 08:00$/m);
  });

  it('reports at commit and final per stage in the policy order, money with its currency', () => {
    const line = (lineId: string, customerId: string, stage: string, requested: number, allocated: number, fulfilled: number) => ({
      lineId, customerId, stage, locationId: 'HUB', unitPrice: 10, requestedDate: '2025-03-05', requested, allocated, substituted: 0, allOrNothingSkipped: false,
      ...(requested > allocated ? { backorders: { fulfilled, cancelled: 0, open: requested - allocated - fulfilled } } : {}),
    });
    const state = sampleState();
    state.plan = samplePlan({ byStage: ['basic', 'interdependent', 'integrated'].map((stage) => ({ ...samplePlan().totals, stage })) });
    state.commit = { reservedLines: 2, reservedUnits: 50, backorderedLines: 2, backorderedUnits: 110, substituteUnits: 0, credits: 0 };
    const report = buildIncidentReport({
      state,
      outcome: 'closed',
      lines: [line('L1', 'C1', 'integrated', 40, 40, 0), line('L2', 'C2', 'interdependent', 20, 10, 10), line('L3', 'C3', 'basic', 100, 0, 100)],
      rounds: [{ receiptId: 'GR-1', at: '2025-03-04T08:00:00.000Z', fulfilled: [{ lineId: 'L2', quantity: 10 }, { lineId: 'L3', quantity: 100 }] }],
      positions: [],
      purchaseOrders: [],
      substitutes: [],
      currency: 'EUR',
      closedAt: '2025-03-04T09:00:00.000Z',
    });
    const summary = { reportRef: 'report', outcome: 'closed' as const, fillRate: 1, revenueProtected: 1100, revenueAtRisk: 1100, firstNoticeAfterMinutes: 12, recommendations: [] };
    const text = formatReport({ workflowId: 'stockout:eu:SKU-1', summary, report });
    expect(text).toMatch(/Fill rate\s+31\.3% at commit, 100\.0% final/);
    expect(text).toMatch(/Customers with nothing\s+1 at commit, 0 final/);
    expect(text).toMatch(/Revenue protected\s+1,100\.00 EUR \(100\.0% of the revenue at risk\)/);
    expect(text).toMatch(/Largest customer\s+C1, 57\.1% of the pool and confirmations/);
    const stages = (heading: string) =>
      text.split(`${heading}\n`)[1]!.split('\n').slice(1, 4).map((row) => row.split(/\s+/)[0]);
    expect(stages('At commit (the plan as committed)')).toEqual(['basic', 'interdependent', 'integrated']);
    expect(text).toMatch(/^basic\s+1\s+100\s+0\s+100\s+0\.0%\s+1$/m);
    expect(text).toContain('AT RISK (EUR)');
    expect(text).toMatch(/^basic\s+100\s+0\s+0\s+0\s+100\.0%\s+0\s+1,000\.00\s+1,000\.00\s+0\.00$/m);
  });

  it('shows a report stored before the at-commit figures by its summary, and says so', () => {
    const summary = { reportRef: 'report', outcome: 'closed' as const, fillRate: 1, revenueProtected: 900, revenueAtRisk: 1000, firstNoticeAfterMinutes: 12, recommendations: [] };
    const older = { overall: { fillRate: 1 }, byStage: [] } as unknown as IncidentReport;
    const text = formatReport({ workflowId: 'stockout:eu:SKU-1', summary, report: older });
    expect(text).toMatch(/Fill rate\s+100\.0%\n/);
    expect(text).toMatch(/Revenue at risk\s+1,000\.00\n/);
    expect(text).toContain('The stored report predates the at-commit figures: see --json for what it holds.');
  });

  it('shows a page of the plan a line a row, with the override reason or the reason codes, and how to get the next page', () => {
    const line = {
      position: 1,
      lineId: 'L1',
      orderId: 'O1',
      customer: { customerId: 'C1', name: 'Klinikum Nord', stage: 'integrated', critical: true },
      requestedDate: '2025-03-04',
      requested: 10,
      allocated: 6,
      substitute: 0,
      substitutes: [],
      backordered: 4,
      held: 8,
      change: -2,
      releasedConfirmation: 2,
      outcome: 'partial' as const,
      reasons: [{ code: 'critical-priority' as const, words: 'served first' }, { code: 'pool-exhausted' as const, words: 'ran out' }],
      override: null,
      exception: null,
    };
    const page = { incidentId: 'i', revision: 2, simulationId: null, policyName: 'default', lines: [line, { ...line, position: 2, lineId: 'L2', override: { allocate: 6, reason: 'holds stock' } }], nextCursor: 'abc', total: 40 };
    const text = formatPlanLines(page, 'stockout:eu:SKU-1');
    expect(text).toMatch(/^Plan revision 2, policy default: 2 of 40 lines\n/);
    expect(text).toMatch(/1\s+L1\s+O1\s+Klinikum Nord \(critical\)\s+integrated\s+10\s+8\s+6\s+0\s+4\s+partial\s+critical-priority, pool-exhausted/);
    expect(text).toMatch(/L2 .* override: holds stock/);
    expect(text).toContain('Next page: stockout plan stockout:eu:SKU-1 --cursor abc');
  });

  it('shows the what-if difference per stage with signs', () => {
    const text = formatComparison(sampleComparison(), 'stockout:eu:SKU-1');
    // STAGE, ALLOCATED, SUBSTITUTED, BACKORDERED, FILL, WITH NOTHING: the unit columns of a row add up to zero.
    expect(text).toMatch(/STAGE\s+ALLOCATED\s+SUBSTITUTED\s+BACKORDERED\s+FILL\s+WITH NOTHING/);
    expect(text).toMatch(/integrated\s+-10\s+0\s+\+10\s+-25\.0 pp\s+0/);
    expect(text).toMatch(/basic\s+\+10\s+0\s+-10\s+\+16\.7 pp\s+-1/);
    for (const d of sampleComparison().difference) expect(d.allocated + d.substituted + d.backordered, d.stage).toBe(0);
    expect(text).toMatch(/simulated\s+even/);
    // Each plan's row adds up: requested = allocated + substituted + backordered.
    const c = sampleComparison();
    for (const [name, p] of [['current', c.current], ['simulated', c.simulated]] as const) {
      const t = p.totals;
      expect(t.allocated + t.substituted + t.backordered).toBe(t.requested);
      expect(text).toMatch(new RegExp(`^${name}\\s+${p.policyName}\\s+${t.requested}\\s+${t.allocated}\\s+${t.substituted}\\s+${t.backordered}\\s`, 'm'));
    }
    expect(text).toContain(`stockout plan stockout:eu:SKU-1 --simulation ${sampleComparison().simulationId}`);
  });
});

describe('the stockout executable', () => {
  const bin = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url));

  it('runs through the tsx shim and exits 2 on bad input without reaching Temporal', () => {
    const result = spawnSync(process.execPath, [bin, 'eta', 'eu:SKU-1', '--po', 'PO-1', '--eta', 'soon'], {
      encoding: 'utf8',
      // Nothing listens here: reaching Temporal would fail differently (exit 1).
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
      timeout: 30_000,
    });
    expect(result.stderr).toContain('--eta');
    expect(result.status).toBe(2);
  });

  it('names the Temporal address it tried and how to get a server there when none answers', async () => {
    // A port the OS just handed out and took back: nothing listens there.
    const [port] = await freePorts(1);
    const cli = spawnWatched(process.execPath, [bin, 'list'], {
      env: { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${port}`, STOCKOUT_DATA_DIR: mkdtempSync(join(tmpdir(), 'stockout-cli-')) },
    });
    expect((await cli.exited).code).toBe(EXIT.failed);
    expect(cli.output()).toContain(`error: cannot reach Temporal at 127.0.0.1:${port} (set by TEMPORAL_ADDRESS; namespace default)`);
    expect(cli.output()).toContain('or set TEMPORAL_ADDRESS to one that runs');
    expect(cli.output()).toContain('`npm start -- --serve`');
  });
});
