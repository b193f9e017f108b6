/** A dlt-style load id: Unix time in seconds with microseconds (`1732398000.123456`); sortable as text for centuries. */
export function newLoadId(now: number = performance.timeOrigin + performance.now()): string {
  return (now / 1000).toFixed(6);
}
