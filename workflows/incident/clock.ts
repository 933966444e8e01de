// Workflow time is deterministic: Date is replay-safe inside the workflow sandbox.
export const nowIso = () => new Date().toISOString();
export const todayIso = () => nowIso().slice(0, 10);
export const hours = (n: number) => n * 3_600_000;
export const days = (n: number) => n * 86_400_000;
