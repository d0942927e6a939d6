// Shared steps: signing in the way a person does, in either project.
import { execFileSync } from "node:child_process";
import { test as base, expect, type Page, type TestInfo } from "@playwright/test";

/** Collects script errors (hydration mismatches, panics) so a test fails on any of them. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // HTTP statuses the test asked for (403, 404) are reported as console errors too.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}

/** `test`, with a page whose script errors fail the test. */
export const test = base.extend({
  page: async ({ page }, use) => {
    const errors = watchErrors(page);
    await use(page);
    expect(errors, "script errors on the page").toEqual([]);
  },
});

export const DEMO_PASSWORD = "riposte-demo";

export const javascriptOn = (info: TestInfo) => info.project.name === "hydrated";

/** Waits until the page is interactive (only meaningful with JavaScript on). */
export async function ready(page: Page, info: TestInfo) {
  if (javascriptOn(info)) {
    await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  }
}

export async function signIn(page: Page, info: TestInfo, username: string, password = DEMO_PASSWORD) {
  await page.goto("/sign-in");
  await ready(page, info);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function navLabels(page: Page): Promise<string[]> {
  return page.locator("nav.sections a").allTextContents();
}

/** A fresh ingest token for `source`, made with the server's own command line. */
export function ingestToken(source = "e2e"): string {
  return apiToken(source, "ingest");
}

/** A fresh API token for `source` with one scope (ingest, read, triage, context). */
export function apiToken(source: string, scope: string): string {
  const output = execFileSync(process.env.RIPOSTE_E2E_BIN!, [
    "--data-dir", process.env.RIPOSTE_E2E_DATA_DIR!, "token", "create", "e2e sensor", "--source", source, "--scope", scope,
  ], { env: { ...process.env, RUST_LOG: "warn" } }).toString();
  const match = output.match(/^token: (\S+)$/m);
  if (!match) throw new Error(`no token in: ${output}`);
  return match[1];
}

/** A Windows Security logon event (4624 success, 4625 failure) as Winlogbeat ships it. */
export function windowsLogon(eventId: "4624" | "4625", user: string, from: string, record: number, host: string, at = new Date()): string {
  return JSON.stringify({
    "@timestamp": at.toISOString(),
    winlog: {
      channel: "Security",
      event_id: eventId,
      computer_name: host,
      record_id: record,
      event_data: { TargetUserName: user, LogonType: eventId === "4624" ? "10" : "3", IpAddress: from, IpPort: "50522" },
    },
  });
}

/** Waits for `check` to pass; without JavaScript nothing updates live, so reload between tries. */
export async function eventually(page: Page, live: boolean, check: () => Promise<void>, timeout = 20_000) {
  if (live) return check();
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout });
}
