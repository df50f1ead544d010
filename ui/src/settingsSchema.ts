/**
 * What the settings form shows for each setting of the engine's catalog
 * (`SETTING_KEYS`, generated; docs/configuration.md describes them):
 * label, input kind, default (as placeholder) and help. The engine owns
 * validation; this only describes the form.
 */
import { SETTING_ENV_NAMES, type ConfigErrorDto, type SettingKey } from './api';

export type FieldKind = 'text' | 'url' | 'number' | 'bool' | 'folder' | 'file' | 'select' | 'list';

export interface FieldSpec {
  key: SettingKey;
  label: string;
  kind: FieldKind;
  /** Shown as placeholder: what a blank value means. */
  placeholder?: string;
  help?: string;
  options?: string[];
  /** The `.env` name, for operators coming from the Python tool. */
  env: string;
  /** Folded under "Advanced" by default (see {@link ADVANCED_KEYS}). */
  advanced: boolean;
}

export interface SectionSpec {
  id: string;
  title: string;
  fields: FieldSpec[];
}

/** The settings most operators never change: proxies and TLS extras,
 * timeouts and page sizes, the guards, purge ages, the drop-folder watching
 * (runtime.*), the date format and the log level. The form folds them under
 * "Advanced" in each section (still in the form, one click away). */
export const ADVANCED_KEYS: ReadonlySet<SettingKey> = new Set<SettingKey>([
  'athoc.scope',
  'athoc.disable_ssl_verify',
  'athoc.ssl_cert_path',
  'athoc.http_proxy',
  'athoc.https_proxy',
  'athoc.no_proxy',
  'athoc.timeout_seconds',
  'athoc.users_per_request',
  'athoc.concurrent_requests',
  'athoc.page_size',
  'athoc.date_format',
  'fields.user_attributes',
  'paths.db_path',
  'paths.log_dir',
  'files.processed_purge_days',
  'files.files_per_batch',
  'files.settle_seconds',
  'files.max_retry_attempts',
  'files.max_file_mb',
  'mapping.retry_days',
  'mapping.purge_guard_percent',
  'mapping.purge_guard_min',
  'cleanup.guard_percent',
  'cleanup.guard_min',
  'logging.level',
  'logging.purge_days',
  'runtime.rescan_seconds',
  'runtime.no_file_warning_minutes',
  'runtime.active_hours',
]);

const f = (key: SettingKey, label: string, kind: FieldKind, placeholder?: string, help?: string, options?: string[]): FieldSpec => ({
  key, env: SETTING_ENV_NAMES[key], label, kind, advanced: ADVANCED_KEYS.has(key),
  ...(placeholder !== undefined ? { placeholder } : {}),
  ...(help !== undefined ? { help } : {}),
  ...(options !== undefined ? { options } : {}),
});

export const SECTIONS: SectionSpec[] = [
  {
    id: 'athoc',
    title: 'AtHoc server',
    fields: [
      f('athoc.server_url', 'Server address', 'url', 'required, https://…', 'Must be https:// (http:// only for this machine).'),
      f('athoc.org_code', 'Organization code', 'text', 'required'),
      f('athoc.client_id', 'API client ID', 'text', 'required'),
      f('athoc.username', 'API user name', 'text', 'required'),
      f('athoc.scope', 'OAuth scopes', 'text', 'athoc.iws.web.api'),
      f('athoc.disable_ssl_verify', 'Do not check the server certificate (test systems only)', 'bool', 'false'),
      f('athoc.ssl_cert_path', 'Extra CA certificate (PEM)', 'file', 'none'),
      f('athoc.http_proxy', 'Proxy for http://', 'url', 'none'),
      f('athoc.https_proxy', 'Proxy for https://', 'url', 'none'),
      f('athoc.no_proxy', 'Hosts reached without the proxy', 'text', 'none'),
      f('athoc.timeout_seconds', 'Request timeout (seconds)', 'number', '30'),
      f('athoc.users_per_request', 'Users per update request', 'number', '1000'),
      f('athoc.concurrent_requests', 'Update requests at once', 'number', '4'),
      f('athoc.page_size', 'Users per directory page', 'number', '1000'),
      f('athoc.date_format', 'AtHoc date-time format', 'text', 'dd/MM/yyyy HH:mm:ss'),
    ],
  },
  {
    id: 'fields',
    title: 'Field names and time zone',
    fields: [
      f('fields.duty_attribute', 'Duty attribute (the only one written)', 'text', 'On-Duty-DTG'),
      f('fields.collar_attribute', 'Collar number attribute', 'text', 'Collar-Number'),
      f('fields.user_attributes', 'Attributes fetched in the mapping sync (comma list)', 'list', 'Collar-Number,FIRSTNAME,LASTNAME'),
      f('time.zone', 'Time zone of the BOBO times (IANA name)', 'text', "the system's zone"),
    ],
  },
  {
    id: 'paths',
    title: 'Folders',
    fields: [
      f('paths.drop_dir', 'Drop folder (BOBO exports arrive here)', 'folder', '<data>/drop'),
      f('paths.processed_dir', 'Processed files folder', 'folder', '<data>/processed'),
      f('paths.failed_dir', 'Failed files folder', 'folder', '<data>/failed'),
      f('paths.db_path', 'Database file', 'file', '<data>/bobosync.db'),
      f('paths.log_dir', 'Log folder', 'folder', '<data>/logs'),
    ],
  },
  {
    id: 'files',
    title: 'Files',
    fields: [
      f('files.move_processed', 'Move finished files to the processed folder', 'bool', 'true'),
      f('files.processed_purge_days', 'Delete processed files after (days)', 'number', '30'),
      f('files.files_per_batch', 'Most files applied in one batch', 'number', '10'),
      f('files.settle_seconds', 'Read a file once unchanged for (seconds)', 'number', '2'),
      f('files.max_retry_attempts', 'Failed cycles before a file is given up', 'number', '3'),
      f('files.max_file_mb', 'Largest file read (MB); larger ones go to the failed folder', 'number', '64'),
    ],
  },
  {
    id: 'mapping',
    title: 'User mapping sync',
    fields: [
      f('mapping.enabled', 'Run the user-mapping sync', 'bool', 'true'),
      f('mapping.sync_hour', 'Daily sync after this hour (0–23)', 'number', '20'),
      f('mapping.retry_days', 'Sync at once when the last success is older than (days)', 'number', '2'),
      f('mapping.purge_guard_percent', 'Ask before removing more than this % of mappings', 'number', '10'),
      f('mapping.purge_guard_min', '…and more than this many', 'number', '20'),
    ],
  },
  {
    id: 'cleanup',
    title: 'Stale duty cleanup',
    fields: [
      f('cleanup.stale_after_hours', 'Clear duty values older than (hours)', 'number', '24'),
      f('cleanup.guard_percent', 'Ask before clearing more than this % of values', 'number', '50'),
      f('cleanup.guard_min', '…and more than this many users', 'number', '20'),
    ],
  },
  {
    id: 'logging',
    title: 'Logging',
    fields: [
      f('logging.level', 'Log level', 'select', 'INFO', undefined, ['', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']),
      f('logging.purge_days', 'Keep daily log files for (days)', 'number', '30'),
    ],
  },
  {
    id: 'runtime',
    title: 'Watching the drop folder',
    fields: [
      f('runtime.rescan_seconds', 'Look at the drop folder at least every (seconds)', 'number', '10', 'Also without change events (network shares, missed events).'),
      f('runtime.no_file_warning_minutes', 'Warn when no file arrives for (minutes)', 'number', '0 (off)', 'Only during the active hours below: a stalled export.'),
      f('runtime.active_hours', 'Files are expected between (HH:MM-HH:MM)', 'text', '00:00-00:00 (all day)', 'Local time; a start after the end spans midnight.'),
    ],
  },
];

/** Every setting key in the form's order. */
export const FORM_KEYS: readonly SettingKey[] = SECTIONS.flatMap((s) => s.fields.map((fs) => fs.key));

/** Every field by key. */
export const FIELDS: ReadonlyMap<SettingKey, FieldSpec> = new Map(
  SECTIONS.flatMap((s) => s.fields.map((fs) => [fs.key, fs] as const)),
);

/** One validation message as the operator reads it: the engine's problem
 * and what it expects, verbatim. */
export function errorText(e: ConfigErrorDto): string {
  return e.expected ? `${e.problem}; expected ${e.expected}` : e.problem;
}

/** Errors sorted onto the form: per field key, and the rest (keys the form
 * does not show) kept for a summary at the top. */
export function placeErrors(errors: readonly ConfigErrorDto[]): {
  byKey: Map<string, string[]>;
  other: string[];
} {
  const byKey = new Map<string, string[]>();
  const other: string[] = [];
  for (const e of errors) {
    if (FIELDS.has(e.key as SettingKey)) {
      const list = byKey.get(e.key) ?? [];
      list.push(errorText(e));
      byKey.set(e.key, list);
    } else {
      other.push(`${e.key}: ${errorText(e)}`);
    }
  }
  return { byKey, other };
}
