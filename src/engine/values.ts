/** Small value helpers shared by the engine modules (and the page's number formatting). */

/** True for a number that is neither NaN nor infinite; false for anything else. */
export function isFiniteNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** Ascending order of two strings or two numbers, for sort comparators (no locale rules). */
export function compareAsc<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when the template names the service as a word (not inside another name). */
export function namesService(template: string, service: string): boolean {
  if (!service) {
    return false;
  }
  return new RegExp(`(^|[^a-z0-9_-])${escapeRegExp(service.toLowerCase())}($|[^a-z0-9_-])`).test(
    template.toLowerCase()
  );
}
