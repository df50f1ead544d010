/**
 * Formatting for display: every time says its zone, durations in words.
 * Pure: the zone and "now" are arguments.
 */

/** The zone this machine displays times in (IANA name, e.g. `Europe/London`). */
export function displayZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

interface Parts {
  date: string;
  time: string;
}

function partsIn(d: Date, zone: string): Parts {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(d)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}:${p.second}` };
}

/**
 * An RFC 3339 instant as `HH:MM:SS <zone>` when it falls on today's date in
 * `zone` (per `now`), else `YYYY-MM-DD HH:MM:SS <zone>`. A zone of `UTC`
 * reads `… UTC`. An unreadable input is returned as is, marked.
 */
export function formatTime(iso: string, zone: string, now: Date): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return `${iso} (unreadable time)`;
  let p: Parts;
  let z = zone;
  try {
    p = partsIn(d, zone);
  } catch {
    z = 'UTC';
    p = partsIn(d, 'UTC');
  }
  const today = partsIn(now, z).date;
  return p.date === today ? `${p.time} ${z}` : `${p.date} ${p.time} ${z}`;
}

/** Like {@link formatTime} but always with the date (tables, exports). */
export function formatDateTime(iso: string, zone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return `${iso} (unreadable time)`;
  try {
    const p = partsIn(d, zone);
    return `${p.date} ${p.time} ${zone}`;
  } catch {
    const p = partsIn(d, 'UTC');
    return `${p.date} ${p.time} UTC`;
  }
}

/** A BOBO wall-clock time as written, with the zone it is read in. */
export function formatBoboLocal(local: string, boboZone: string): string {
  return `${local} ${boboZone}`;
}

/** Milliseconds as `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatMillis(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  const min = Math.floor(totalS / 60);
  if (min < 60) return `${min} min ${String(totalS % 60).padStart(2, '0')} s`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}

/** How long between two RFC 3339 instants; `running` when not finished. */
export function formatDuration(startIso: string, endIso: string | null): string {
  if (endIso === null) return 'still running';
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime();
  return formatMillis(ms);
}

/** `1 file`, `3 files`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function safeParts(d: Date, zone: string): Parts {
  try {
    return partsIn(d, zone);
  } catch {
    return partsIn(d, 'UTC');
  }
}

/** The calendar day before `date` (`YYYY-MM-DD`). */
function dayBefore(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * A short time for tables: `14:31` today, `yesterday 09:02`, `12 Nov 09:02`
 * this year, `12 Nov 2024 09:02` before. No zone: pair it with
 * {@link formatDateTime} (hover, screen readers).
 */
export function formatShortTime(iso: string, zone: string, now: Date): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return `${iso} (unreadable time)`;
  const p = safeParts(d, zone);
  const today = safeParts(now, zone).date;
  const hm = p.time.slice(0, 5);
  if (p.date === today) return hm;
  if (p.date === dayBefore(today)) return `yesterday ${hm}`;
  const [y, m, day] = p.date.split('-');
  const dm = `${Number(day)} ${MONTHS[Number(m) - 1]}`;
  return y === today.slice(0, 4) ? `${dm} ${hm}` : `${dm} ${y} ${hm}`;
}

/**
 * How long ago (or how soon): `just now`, `2 min ago`, `3 h ago`,
 * `in 5 min`, `in 2 h`; past a day, the short time ({@link formatShortTime}).
 */
export function formatRelative(iso: string, zone: string, now: Date): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return `${iso} (unreadable time)`;
  const s = Math.round((d.getTime() - now.getTime()) / 1000);
  const a = Math.abs(s);
  if (a < 45) return 'just now';
  const words = a < 3600 ? `${Math.min(59, Math.max(1, Math.round(a / 60)))} min` : a < 86_400 ? `${Math.floor(a / 3600)} h` : null;
  if (words === null || (words.endsWith(' h') && a >= 12 * 3600)) return formatShortTime(iso, zone, now);
  return s < 0 ? `${words} ago` : `in ${words}`;
}

/** The canonical name of a zone (aliases such as `Etc/UTC` → `UTC`), or the name as given. */
function canonicalZone(zone: string): string {
  try {
    const z = new Intl.DateTimeFormat('en-GB', { timeZone: zone }).resolvedOptions().timeZone;
    return z === 'Etc/UTC' || z === 'Etc/GMT' || z === 'GMT' ? 'UTC' : z;
  } catch {
    return zone;
  }
}

/** Whether two zone names are the same zone (then no zone note is needed). */
export function sameZone(a: string, b: string): boolean {
  return canonicalZone(a) === canonicalZone(b);
}
