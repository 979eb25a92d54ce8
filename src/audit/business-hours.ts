/** An organization's working time, in its own time zone. */
export interface BusinessHours {
  timezone: string;
  /** ISO weekdays: 1 = Monday ... 7 = Sunday. */
  days: number[];
  /** "HH:MM", start inclusive, end exclusive. */
  start: string;
  end: string;
}

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Whether `at` falls inside the business hours (local weekday and time in their time zone). */
export function withinBusinessHours(hours: BusinessHours, at: Date): boolean {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: hours.timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  const day = WEEKDAY[parts.weekday];
  const minutes = Number(parts.hour) * 60 + Number(parts.minute);
  const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
  return hours.days.includes(day) && minutes >= toMinutes(hours.start) && minutes < toMinutes(hours.end);
}
