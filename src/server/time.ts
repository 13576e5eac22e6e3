/** "Sunday, 29 November 2026 at 07:00 (UTC)": a moment as a reader in `timeZone` would say it. */
export function formatInTimeZone(instant: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(instant);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(
    instant,
  );
  return `${day} at ${time} (${timeZone})`;
}
