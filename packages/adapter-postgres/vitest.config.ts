import { POSTGRES_MAJORS } from "@rune/test-services";
import { defineConfig, mergeConfig } from "vitest/config";
import { preset } from "../../tooling/vitest.preset";

// The tests run against a real PostgreSQL: the server MRS_POSTGRES_URL names, or else once per
// supported major (README: 15 to 18), each project on a throwaway server of its own started
// once by test/global-setup.ts. The types are checked once, in the first project.
const given = process.env.MRS_POSTGRES_URL !== undefined && process.env.MRS_POSTGRES_URL !== "";
// Whole configs rather than `extends: true`, which has Vite load this file again per project.
const project = (name: string, typecheck: boolean) => {
  const { reporters: _rootOnly, ...test } = preset().test ?? {};
  return {
    test: {
      ...test,
      name,
      globalSetup: ["test/global-setup.ts"],
      typecheck: { ...test?.typecheck, enabled: typecheck },
    },
  };
};
const projects = given
  ? [project("postgres", true)]
  : POSTGRES_MAJORS.map((major, i) => project(`postgres-${major}`, i === 0));

export default mergeConfig(preset(), defineConfig({ test: { projects } }));
