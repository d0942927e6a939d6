// Runs every spec twice in Debian's Chromium: hydrated, and with JavaScript disabled (plain
// form posts). The server is the real binary with its own embedded PostgreSQL in a fresh
// data directory, seeded with the demo accounts.
import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const port = Number(process.env.RIPOSTE_E2E_PORT ?? 3210);
// Set once in the main process; workers inherit the environment, so specs can reach the
// same binary and data directory (for example to create an ingest token).
const binary = (process.env.RIPOSTE_E2E_BIN ??= path.resolve(__dirname, "../target/debug/server"));
const siteRoot = process.env.RIPOSTE_E2E_SITE_ROOT ?? path.resolve(__dirname, "../target/site");
const dataDir = (process.env.RIPOSTE_E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "riposte-e2e-")));
// The embedded cluster may run as the `postgres` account (when tests run as root).
fs.chmodSync(dataDir, 0o755);

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true } },
    { name: "no-js", use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: `${binary} --data-dir ${dataDir} serve --demo --listen 127.0.0.1:${port} --site-root ${siteRoot}`,
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
    // RIPOSTE_E2E_LOG (a RUST_LOG filter) shows more of the server while chasing a failure.
    env: { RUST_LOG: process.env.RIPOSTE_E2E_LOG ?? "error" },
  },
});
