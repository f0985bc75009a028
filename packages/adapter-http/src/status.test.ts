import { ERROR_CODES, type ErrorCode, MrsFailure, mrsError } from "@rune/mrs-core";
import { describe, expect, it } from "vitest";
import { HttpFailure, statusOf, toAnswer } from "./status.js";

const status = (code: ErrorCode) => statusOf([mrsError(code, "", "x")]);

describe("statusOf: the one map from MRS codes to HTTP statuses", () => {
  it("INTERFACES.md's statuses: 400, 401, 403, 404, 409, 413, 415, 422, 503", () => {
    expect(status("INVALID_JSON")).toBe(400);
    expect(status("UNAUTHORIZED")).toBe(401);
    expect(status("FORBIDDEN_MODULE")).toBe(403);
    expect(status("UNKNOWN_MODULE")).toBe(404);
    expect(status("UNKNOWN_ACTION")).toBe(404);
    expect(status("AMBIGUOUS_ACTION")).toBe(409);
    expect(status("DUPLICATE_REGISTRATION")).toBe(409);
    expect(status("VERSION_SUPERSEDED")).toBe(409);
    expect(status("PAYLOAD_TOO_LARGE")).toBe(413);
    expect(status("UNSUPPORTED_MEDIA_TYPE")).toBe(415);
    expect(status("STORE_UNAVAILABLE")).toBe(503);
  });

  it("MRS-E1..E11 every fault of a payload's content is a 422", () => {
    const content = Object.entries(ERROR_CODES)
      .filter(
        ([code, info]) =>
          info.rule.startsWith("E") && !["INVALID_JSON", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"].includes(code),
      )
      .map(([code]) => code as ErrorCode);
    expect(content.length).toBeGreaterThan(5);
    for (const code of content) expect(status(code), code).toBe(422);
  });

  it("every code of the registry answers an error status", () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(status(code), code).toBeGreaterThanOrEqual(400);
      expect(status(code), code).toBeLessThan(600);
    }
  });
});

describe("toAnswer", () => {
  it("keeps an MrsFailure's errors and status", () => {
    const answer = toAnswer(new MrsFailure([mrsError("UNKNOWN_ACTION", "", "no")]));
    expect(answer).toMatchObject({ status: 404, internal: false });
    expect(answer.errors[0]?.code).toBe("UNKNOWN_ACTION");
  });

  it("MRS-S11 a core failure is not taken for an HttpFailure (the brand is inherited): STORE_UNAVAILABLE answers 503, not 500", () => {
    const core = new MrsFailure([mrsError("STORE_UNAVAILABLE", "", "the registry has no session yet")]);
    expect(core instanceof HttpFailure).toBe(false);
    expect(toAnswer(core)).toMatchObject({ status: 503, internal: false });
    const http = new HttpFailure([mrsError("INTERNAL_ERROR", "", "x")], 500);
    expect(http instanceof HttpFailure).toBe(true);
    expect(http instanceof MrsFailure).toBe(true);
    expect(toAnswer(http).status).toBe(500);
  });

  it("maps fastify's own failures to MRS codes", () => {
    expect(toAnswer({ code: "FST_ERR_CTP_BODY_TOO_LARGE", statusCode: 413 }).errors[0]?.code).toBe("PAYLOAD_TOO_LARGE");
    expect(toAnswer({ code: "FST_ERR_CTP_INVALID_MEDIA_TYPE", statusCode: 415 }).errors[0]?.code).toBe(
      "UNSUPPORTED_MEDIA_TYPE",
    );
    const validation = toAnswer({
      statusCode: 400,
      validation: [{ instancePath: "/expected", message: "must be integer" }],
      validationContext: "body",
    });
    expect(validation.status).toBe(400);
    expect(validation.errors[0]).toMatchObject({ code: "INVALID_REQUEST", pointer: "/expected" });
  });

  it("MRS-H2 an unexpected error is a 500 INTERNAL_ERROR that reveals nothing of it", () => {
    const answer = toAnswer(new Error("secret internals at /etc/lom"));
    expect(answer).toMatchObject({ status: 500, internal: true, errors: [{ code: "INTERNAL_ERROR", rule: "H2" }] });
    expect(JSON.stringify(answer.errors)).not.toContain("secret");
  });
});
