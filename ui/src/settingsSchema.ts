/**
 * What the settings form shows for each key of docs/configuration.md:
 * label, input kind, default (as placeholder) and help. The engine owns
 * validation; this only describes the form.
 */
import type { ConfigErrorDto, SettingKey } from './api';

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
}

export interface SectionSpec {
  id: string;
  title: string;
  fields: FieldSpec[];
}

const f = (key: SettingKey, env: string, label: string, kind: FieldKind, placeholder?: string, help?: string, options?: string[]): FieldSpec => ({
  key, env, label, kind,
  ...(placeholder !== undefined ? { placeholder } : {}),
  ...(help !== undefined ? { help } : {}),
  ...(options !== undefined ? { options } : {}),
});

export const SECTIONS: SectionSpec[] = [
  {
    id: 'athoc',
    title: 'AtHoc server',
    fields: [
      f('athoc.server_url', 'ATHOC_SERVER_URL', 'Server address', 'url', 'required, https://…', 'Must be https:// (http:// only for this machine).'),
      f('athoc.org_code', 'ORG_CODE', 'Organization code', 'text', 'required'),
      f('athoc.client_id', 'CLIENT_ID', 'API client ID', 'text', 'required'),
      f('athoc.username', 'APIUSER', 'API user name', 'text', 'required'),
      f('athoc.scope', 'SCOPE', 'OAuth scopes', 'text', 'athoc.iws.web.api'),
      f('athoc.disable_ssl_verify', 'DISABLE_SSL_VERIFY', 'Do not check the server certificate (test systems only)', 'bool', 'false'),
      f('athoc.ssl_cert_path', 'SSL_CERT_PATH', 'Extra CA certificate (PEM)', 'file', 'none'),
      f('athoc.http_proxy', 'HTTP_PROXY', 'Proxy for http://', 'url', 'none'),
      f('athoc.https_proxy', 'HTTPS_PROXY', 'Proxy for https://', 'url', 'none'),
      f('athoc.no_proxy', 'NO_PROXY', 'Hosts reached without the proxy', 'text', 'none'),
      f('athoc.timeout_seconds', 'HTTP_TIMEOUT_SECONDS', 'Request timeout (seconds)', 'number', '30'),
      f('athoc.users_per_request', 'USERS_PER_REQUEST', 'Users per update request', 'number', '1000'),
      f('athoc.page_size', 'PAGE_SIZE', 'Users per directory page', 'number', '1000'),
      f('athoc.date_format', 'ATHOC_DATE_FORMAT', 'AtHoc date-time format', 'text', 'dd/MM/yyyy HH:mm:ss'),
    ],
  },
  {
    id: 'fields',
    title: 'Field names and time zone',
    fields: [
      f('fields.duty_attribute', 'DUTY_STATUS_FIELD', 'Duty attribute (the only one written)', 'text', 'On-Duty-DTG'),
      f('fields.collar_attribute', 'COLLAR_ID_FIELD', 'Collar number attribute', 'text', 'Collar-Number'),
      f('fields.user_attributes', 'USER_ATTRIBUTES', 'Attributes fetched in the mapping sync (comma list)', 'list', 'Collar-Number,FIRSTNAME,LASTNAME'),
      f('time.zone', 'TIME_ZONE', 'Time zone of the BOBO times (IANA name)', 'text', "the system's zone"),
    ],
  },
  {
    id: 'paths',
    title: 'Folders',
    fields: [
      f('paths.drop_dir', 'CSV_DIRECTORY', 'Drop folder (BOBO exports arrive here)', 'folder', '<data>/drop'),
      f('paths.processed_dir', 'PROCESSED_DIRECTORY', 'Processed files folder', 'folder', '<data>/processed'),
      f('paths.failed_dir', 'FAILED_FILES_DIRECTORY', 'Failed files folder', 'folder', '<data>/failed'),
      f('paths.db_path', 'DB_PATH', 'Database file', 'file', '<data>/bobosync.db'),
      f('paths.log_dir', 'LOG_DIRECTORY', 'Log folder', 'folder', '<data>/logs'),
    ],
  },
  {
    id: 'files',
    title: 'Files',
    fields: [
      f('files.move_processed', 'MOVE_PROCESSED_FILES', 'Move finished files to the processed folder', 'bool', 'true'),
      f('files.processed_purge_days', 'PROCESSED_FILES_PURGE_DAYS', 'Delete processed files after (days)', 'number', '30'),
      f('files.files_per_batch', 'BATCH_SIZE', 'Files per batch', 'number', '10'),
      f('files.settle_seconds', 'FILE_SETTLE_SECONDS', 'Read a file once unchanged for (seconds)', 'number', '2'),
      f('files.max_retry_attempts', 'MAX_RETRY_ATTEMPTS', 'Failed cycles before a file is given up', 'number', '3'),
      f('files.max_file_mb', 'MAX_FILE_MB', 'Largest file read (MB); larger ones go to the failed folder', 'number', '64'),
    ],
  },
  {
    id: 'mapping',
    title: 'User mapping sync',
    fields: [
      f('mapping.enabled', 'SYNC_MAPPINGS', 'Run the user-mapping sync', 'bool', 'true'),
      f('mapping.sync_hour', 'SYNC_HOUR', 'Daily sync after this hour (0–23)', 'number', '20'),
      f('mapping.retry_days', 'SYNC_RETRY_DAYS', 'Sync at once when the last success is older than (days)', 'number', '2'),
      f('mapping.purge_guard_percent', 'MAPPING_PURGE_GUARD_PERCENT', 'Ask before removing more than this % of mappings', 'number', '10'),
      f('mapping.purge_guard_min', 'MAPPING_PURGE_GUARD_MIN', '…and more than this many', 'number', '20'),
    ],
  },
  {
    id: 'cleanup',
    title: 'Stale duty cleanup',
    fields: [
      f('cleanup.stale_after_hours', 'AUTO_CLEANUP_HOURS', 'Clear duty values older than (hours)', 'number', '24'),
      f('cleanup.guard_percent', 'CLEANUP_GUARD_PERCENT', 'Ask before clearing more than this % of values', 'number', '50'),
      f('cleanup.guard_min', 'CLEANUP_GUARD_MIN', '…and more than this many users', 'number', '20'),
    ],
  },
  {
    id: 'logging',
    title: 'Logging',
    fields: [
      f('logging.level', 'LOG_LEVEL', 'Log level', 'select', 'INFO', undefined, ['', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']),
      f('logging.purge_days', 'LOG_PURGE_DAYS', 'Keep daily log files for (days)', 'number', '30'),
    ],
  },
];

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
