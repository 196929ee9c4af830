/**
 * The service's domain errors. They say what went wrong in the caller's terms; `app.ts` alone decides
 * which HTTP status each one becomes.
 */
export abstract class ServiceError extends Error {
  /** A stable, machine-readable name for the `error` field of a JSON error body. */
  abstract readonly code: string;
}

/** The request is not something the service can accept (bad JSON, bad id, bad limit). */
export class InvalidInputError extends ServiceError {
  readonly code = 'invalid_input';
}

/** The request body is not declared as JSON. */
export class UnsupportedMediaTypeError extends ServiceError {
  readonly code = 'unsupported_media_type';
}

/** The request body is larger than the service accepts. */
export class PayloadTooLargeError extends ServiceError {
  readonly code = 'payload_too_large';
}

/** No record has the requested id. */
export class RecordNotFoundError extends ServiceError {
  readonly code = 'not_found';
}

/** The database is down, unreachable, too slow, or not part of this build. */
export class DatabaseUnavailableError extends ServiceError {
  readonly code = 'database_unavailable';
}

/** The database refused the credentials: the secret was rotated, or the parameter names the wrong one. */
export class CredentialsRejectedError extends DatabaseUnavailableError {}

/**
 * The server refused a write as read-only: the endpoint is a reader now (a switchover or failover of the
 * global database swapped the roles), so the host must be read again.
 */
export class ReadOnlyEndpointError extends DatabaseUnavailableError {}

/** The environment does not describe a runnable service; raised once, at start. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}
