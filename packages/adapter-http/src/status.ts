import { type ErrorCode, type MrsError, MrsFailure, mrsError } from "@rune/mrs-core";
import type { FastifyError } from "fastify";

/**
 * The one place that turns MRS error codes into HTTP statuses (STYLE.md 7: only the edges
 * turn errors into status codes). A code not listed is a fault of the payload itself
 * (E rules, `INPUT_INVALID`, ...): 422.
 */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN_MODULE: 403,
  INVALID_LEASE: 400,
  NO_LEASE: 409,
  MODULE_EXPIRED: 410,
  REVISION_COMPACTED: 410,
  BREAKING_CHANGE_UNDECLARED: 409,
  UNKNOWN_MODULE: 404,
  NOT_FOUND: 404,
  UNKNOWN_ACTION: 404,
  AMBIGUOUS_ACTION: 409,
  DUPLICATE_REGISTRATION: 409,
  VERSION_SUPERSEDED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SOURCE_UNAVAILABLE: 502,
  STORE_UNAVAILABLE: 503,
  STORE_CORRUPT: 503,
  INTERNAL_ERROR: 500,
};

/** The HTTP status of a set of errors: the first error's (the core reports one kind at a time). */
export function statusOf(errors: readonly MrsError[]): number {
  const first = errors[0];
  return first === undefined ? 500 : (STATUS_BY_CODE[first.code] ?? 422);
}

/** A failure with the status it answers (for the rare answers whose status is not the code's, such as a 500). */
export class HttpFailure extends MrsFailure {
  constructor(
    errors: readonly MrsError[],
    readonly status: number = statusOf(errors),
  ) {
    super(errors);
  }

  /**
   * Only a failure made here, with its status. `MrsFailure`'s own check is a brand that every
   * failure of the core carries, and a subclass inherits it: without this, a core failure (a
   * read before the registry has a session) would pass for an HttpFailure without a status.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof MrsFailure && typeof (value as { status?: unknown }).status === "number";
  }
}

/** Throws one MRS error as an HTTP failure. */
export function fail(code: ErrorCode, pointer: string, message: string, extra: { hint?: string } = {}): never {
  throw new HttpFailure([mrsError(code, pointer, message, extra)]);
}

/** What the error handler answers: a status and the errors. */
export interface Answered {
  readonly status: number;
  readonly errors: readonly MrsError[];
  /** `true` when the failure is the server's own (logged as an error, not a warning). */
  readonly internal: boolean;
}

/**
 * Turns anything a route, a hook or fastify itself throws into `{status, errors}` in the MRS
 * format. fastify's own errors (body too large, media type, schema validation) get MRS codes;
 * anything unexpected is a 500 that says nothing of the server's internals.
 */
export function toAnswer(error: unknown): Answered {
  if (error instanceof HttpFailure) return { status: error.status, errors: error.errors, internal: false };
  if (error instanceof MrsFailure) return { status: statusOf(error.errors), errors: error.errors, internal: false };
  const e = error as Partial<FastifyError> & { validationContext?: string };
  if (Array.isArray(e.validation)) {
    const where = e.validationContext ?? "request";
    return {
      status: 400,
      internal: false,
      errors: e.validation.map((v) =>
        mrsError(
          "INVALID_REQUEST",
          v.instancePath ?? "",
          `${where}${v.instancePath ?? ""} ${v.message ?? "is invalid"}`,
        ),
      ),
    };
  }
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return one(413, "PAYLOAD_TOO_LARGE", "the request body is larger than this route accepts (1 MiB for a payload)");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return one(415, "UNSUPPORTED_MEDIA_TYPE", "the request body is not application/json", {
        hint: "send the body with Content-Type: application/json",
      });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return one(400, "INVALID_JSON", "the request body is not JSON");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return one(400, "INVALID_REQUEST", "the request body does not match its Content-Length");
    default:
      break;
  }
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return one(status, "INVALID_REQUEST", typeof e.message === "string" ? e.message : "bad request");
  }
  // H2: nothing of the fault itself reaches the client; the error handler adds the request id
  // under which the log holds the details.
  return { ...one(500, "INTERNAL_ERROR", "the LOM failed on this request; its log has the details"), internal: true };
}

function one(status: number, code: ErrorCode, message: string, extra: { hint?: string } = {}): Answered {
  return { status, errors: [mrsError(code, "", message, extra)], internal: false };
}
