import { createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createBrotliDecompress } from "node:zlib";
import { type ExtractOptions, extract } from "tar-fs";

/** How to launch a headless Chromium for the tests, in the shape of playwright-core's launch options. */
export interface BrowserLaunch {
  /** The browser binary. */
  readonly executablePath: string;
  /** Command-line flags for a headless browser that talks to nothing but the tests' own server. */
  readonly args: readonly string[];
  /** The browser's whole environment: this process's, plus the bundled browser's libraries and fonts. */
  readonly env: Readonly<Record<string, string>>;
  /** Where the binary comes from: `CHROMIUM_PATH`, or `@sparticuz/chromium@VERSION`. */
  readonly source: string;
}

/**
 * The flags, the same for the bundled browser and a `CHROMIUM_PATH` one (playwright adds
 * `--headless` and its own automation flags):
 * - `--no-sandbox`: Chromium's sandbox cannot start as root (CI), nor without user namespaces;
 *   the tests load only their own pages from 127.0.0.1.
 * - `--disable-gpu`: no GPU on a test machine, and the bundled software GL is not unpacked.
 * - `--disable-background-networking`, `--disable-component-update`, `--disable-sync`,
 *   `--disable-quic`, `--no-first-run`: no connections to Google's services, which a closed
 *   network refuses many at a time, at every start.
 * - `--disable-dev-shm-usage`: shared memory in a temporary file, not `/dev/shm`, which
 *   containers make 64 MiB, too small for a full-page screenshot.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

/** Files owned by whoever unpacks, not by the archive's uid (tar-fs chowns as root unless told not to; its types lack the option). */
const untar: ExtractOptions & { chown: boolean } = { chown: false };

/** Where unpacked browsers are kept: this package's `node_modules/.cache`, so `rm -rf node_modules` clears it. */
const CACHE = fileURLToPath(new URL("../node_modules/.cache/", import.meta.url));

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function processEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return env;
}

/**
 * The browser for the tests: `CHROMIUM_PATH` when it is set (a system Chromium or Chrome), else
 * the headless Chromium that the `@sparticuz/chromium` package ships inside its tarball (Linux
 * x64), unpacked once into `node_modules/.cache`. Never a browser found elsewhere on the machine.
 */
export async function chromiumForTests(): Promise<BrowserLaunch> {
  const given = process.env.CHROMIUM_PATH;
  if (given !== undefined && given !== "") {
    if (!existsSync(given)) {
      throw new Error(`CHROMIUM_PATH=${given}: no such file (unset it to use the bundled browser)`);
    }
    return { executablePath: given, args: CHROMIUM_ARGS, env: processEnv(), source: "CHROMIUM_PATH" };
  }
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `the bundled Chromium (@sparticuz/chromium) is for Linux x64 only, not ${process.platform} ${process.arch}: ` +
        "set CHROMIUM_PATH to a Chromium or Chrome binary",
    );
  }
  const { dir, version } = bundledPackage();
  const home = await unpack(dir, join(CACHE, `chromium-${version}`));
  const env = processEnv();
  // The browser links NSS, NSPR and expat, which a bare machine may lack: the package ships them.
  env.LD_LIBRARY_PATH = [join(home, "lib"), ...(env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean)].join(":");
  // Fonts from the package (Open Sans), so pages render alike on every machine, with or without fonts of its own.
  env.FONTCONFIG_PATH = home;
  return { executablePath: join(home, "chromium"), args: CHROMIUM_ARGS, env, source: `@sparticuz/chromium@${version}` };
}

/** The folder and version of the installed `@sparticuz/chromium` (its exports name no `package.json`). */
function bundledPackage(): { dir: string; version: string } {
  // build/index.js -> the package folder
  const dir = dirname(dirname(createRequire(import.meta.url).resolve("@sparticuz/chromium")));
  const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string };
  return { dir, version };
}

/**
 * Unpacks the package's brotli files into `home` unless a complete copy is there: the browser,
 * its libraries (`al2023.tar.br`: built for Amazon Linux, they need only glibc) and its fonts.
 * Not the package's own `executablePath()`, which unpacks into the shared temporary folder
 * (`/tmp/chromium`, a name any user or a half-finished run can hold) and uses the libraries only
 * on AWS. The copy is unpacked into a folder of its own and renamed into place, so runs at the
 * same moment never see half a browser.
 */
async function unpack(packageDir: string, home: string): Promise<string> {
  const done = join(home, ".complete");
  if (existsSync(done)) return home;
  const bin = join(packageDir, "bin");
  await mkdir(dirname(home), { recursive: true });
  const work = await mkdtemp(`${home}.partial-`);
  try {
    await Promise.all([
      pipeline(
        createReadStream(join(bin, "chromium.br")),
        createBrotliDecompress(),
        createWriteStream(join(work, "chromium"), { mode: 0o755 }),
      ),
      pipeline(createReadStream(join(bin, "al2023.tar.br")), createBrotliDecompress(), extract(work, untar)),
      pipeline(createReadStream(join(bin, "fonts.tar.br")), createBrotliDecompress(), extract(work, untar)),
    ]);
    // The package's fonts.conf names /tmp/fonts; this one names the fonts unpacked here.
    await writeFile(
      join(work, "fonts.conf"),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${xml(join(home, "fonts"))}</dir>\n  <cachedir>${xml(join(home, "fonts-cache"))}</cachedir>\n</fontconfig>\n`,
    );
    await writeFile(join(work, ".complete"), "");
    await chmod(work, 0o755); // mkdtemp made it private: the copy is for every user of the checkout
    try {
      await rename(work, home);
    } catch (error) {
      // Another run renamed its copy first: use that one.
      if (!existsSync(done)) {
        throw new Error(`cannot unpack Chromium into ${home} (remove it and try again): ${String(error)}`);
      }
    }
    // The browsers of earlier versions of the package (about 200 MB each) are not needed any more.
    for (const entry of await readdir(dirname(home))) {
      if (/^chromium-\d[^/]*$/.test(entry) && entry !== basename(home) && !entry.includes(".partial-")) {
        await rm(join(dirname(home), entry), { recursive: true, force: true });
      }
    }
    return home;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
