/**
 * `map` applied to every string of a JSON-shaped value (plain objects, arrays, scalars). Copy on
 * write: an array or object none of whose strings changes is returned as it is (a report of
 * 20,000 actions is rarely copied), so the result must be read, never changed.
 */
export function mapStringsDeep<T>(value: T, map: (text: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (typeof value !== 'object' || value === null) return value;
  // Plain loops: a report's document holds some 10,000 values, which `Object.entries` and a
  // callback per array took 10-13 ms to walk once, as a command runs it (cold), against 2.
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      const mapped = mapStringsDeep(item, map);
      if (mapped === item) continue;
      copy ??= value.slice();
      copy[index] = mapped;
    }
    return (copy ?? value) as T;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const mapped = mapStringsDeep(item, map);
    if (mapped === item) continue;
    copy ??= { ...record };
    copy[key] = mapped;
  }
  return (copy ?? value) as T;
}
