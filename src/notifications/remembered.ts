// Pure answers worth keeping: what rendering and validating a notice ask for again and again across a stage's
// thousands of notices (the runtime's view of a locale or zone, a sentence, a date). Each memory is bounded, since
// CRM and order data can make any number of distinct questions: past its bound it is forgotten and starts over.

/** A memory of `compute`'s answers by key, holding at most `limit` of them. */
export function remembered<T>(limit: number): (key: string, compute: () => T) => T {
  const answers = new Map<string, T>();
  return (key, compute) => {
    if (answers.has(key)) return answers.get(key) as T;
    if (answers.size >= limit) answers.clear();
    const answer = compute();
    answers.set(key, answer);
    return answer;
  };
}
