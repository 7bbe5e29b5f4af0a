/**
 * What each code about kocflow.yaml means, in one line an ops person can act on. The Diagnostics section of
 * docs/config.md is generated from this table, and tests/config/reference.test.ts fails when a `KOC_…` code used
 * in src/config has no entry here (or an entry names a code nothing uses any more).
 * "Warning:" marks the codes lint reports as warnings; the others stop kocflow from using the file.
 */
export const CONFIG_DIAGNOSTIC_MEANINGS: Readonly<Record<string, string>> = {
  KOC_CONFIG_DUPLICATE_ID: 'Two stores, two people or two accounts have the same id (people\'s WeCom user ids compared without case).',
  KOC_CONFIG_DUPLICATE_TOKEN_ENV: 'Two accounts name the same tokenEnv; each account logs in with its own token.',
  KOC_CONFIG_FILE_MISSING: 'A file the configuration names (a KOC\'s `landing.qr` image) does not exist; paths are relative to the configuration file\'s folder.',
  KOC_CONFIG_EMPTY: 'kocflow.yaml is empty.',
  KOC_CONFIG_ENDPOINT_INVALID: 'An endpoint is not `host:port` or `{ host, port, tls }` with a valid host and a port from 1 to 65535.',
  KOC_CONFIG_ENDPOINT_UNUSED: 'Warning: an account has an endpoint it never connects to (puppet: mock, or no tokenEnv).',
  KOC_CONFIG_ID_INVALID: 'A store or account id is not lower-case letters, digits and "-", or a staff id is not a WeCom user id.',
  KOC_CONFIG_INVALID: 'A value does not fit its key (the general code for checks without a more specific one).',
  KOC_CONFIG_INVALID_VALUE: 'A value is not one of the allowed choices; the message lists them.',
  KOC_CONFIG_MISSING_KEY: 'A required key is missing: accounts, an id or name, a guide\'s store, a guide or ambassador account\'s owner, tokenEnv for puppet: service.',
  KOC_CONFIG_NOT_FOUND: 'The configuration file named with --config does not exist.',
  KOC_CONFIG_OUT_OF_RANGE: 'A number, text or list is too small or too large for its key.',
  KOC_CONFIG_OWNER_CONFLICT: 'A guide or ambassador owns two accounts of their own; each person owns at most one (assistant accounts excepted).',
  KOC_CONFIG_TOKEN_ENV_INVALID: 'tokenEnv is not an environment variable name (upper-case letters, digits and _, not starting with a digit).',
  KOC_CONFIG_TOKEN_IN_FILE: 'A token is written in the file (in tokenEnv, or a key such as token:). Move it to an environment variable, name that variable in tokenEnv, and rotate the token if the file was shared.',
  KOC_CONFIG_TYPE: 'A value has the wrong type (e.g. text where a list is expected), or the file is not a map of keys.',
  KOC_CONFIG_UNKNOWN_KEY: 'A key that does not exist in this place; usually a typo, and the message suggests the key meant.',
  KOC_CONFIG_UNKNOWN_REF: 'A store or staff id is used (an account\'s store, owner or commanders, a person\'s store) but not listed.',
  KOC_CONFIG_UNREADABLE: 'The configuration file exists but cannot be read (permissions, or it is a folder).',
  KOC_PUPPET_TOKEN_MISSING: 'An account with puppet: service has no token in its tokenEnv variable, so it does not start.',
};

/**
 * Codes kocflow.yaml shares with the playbooks, because it is read by the same YAML reader and checks time zones
 * and dates the same way. Explained in docs/playbooks.md#diagnostics.
 */
export const SHARED_DIAGNOSTIC_CODES = [
  'KOC_DATE_INVALID', 'KOC_FILE_TOO_LARGE', 'KOC_TIMEZONE_INVALID', 'KOC_YAML_ALIAS_LIMIT', 'KOC_YAML_CUSTOM_TAG',
  'KOC_YAML_DUPLICATE_KEY', 'KOC_YAML_SYNTAX', 'KOC_YAML_WARNING',
] as const;
