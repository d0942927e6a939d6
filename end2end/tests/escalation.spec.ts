// The escalation matrix end to end: failed logons from Windows and a FortiGate allow from the
// same address reach Riposte through its event API; the shipped "Brute force then access"
// rule raises an incident for incident response, whose page shows the why-trace (rule, key,
// every event and its time) and whose alert shows its context packet. Administrators read
// the rules in force and their history, and a draft with a mistake is refused by name.
import { expect } from "@playwright/test";
import { ingestToken, windowsLogon, javascriptOn, ready, signIn, test } from "./helpers";

test("an analyst sees the why-trace and the context packet on an escalated incident", async ({ page, request }, info) => {
  const token = ingestToken("windows");
  const stamp = Date.now();
  const user = `e2e-${info.project.name}-${stamp}`;
  const from = `198.19.${stamp % 250}.${1 + ((stamp >> 8) % 250)}`;
  const logons = Array.from({ length: 5 }, (_, i) => windowsLogon("4625", user, from, stamp * 10 + i, `ws-${stamp}.demo.example`)).join("\n");
  const sent = await request.post("/api/v1/events/windows", {
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/x-ndjson" },
    data: logons,
  });
  expect(sent.status()).toBe(200);
  const allow =
    `date=2026-11-22 time=09:58:30 devname="FGT60F-HQ" eventtime=${stamp + 2000}000000 logid="0000000013" type="traffic" ` +
    `subtype="forward" srcip=${from} srcport=51234 dstip=192.168.1.210 dstport=443 sessionid=${stamp % 100000} proto=6 action="accept" policyid=9`;
  const firewall = await request.post("/api/v1/events/fortigate", {
    headers: { Authorization: `Bearer ${ingestToken("fortigate")}`, "Content-Type": "text/plain" },
    data: allow,
  });
  expect(firewall.status()).toBe(200);

  await signIn(page, info, "ir");
  await expect(page).not.toHaveURL(/sign-in/);
  await page.goto("/incidents?queue=ir");
  await ready(page, info);
  const row = page.getByRole("row").filter({ hasText: user });
  // The raised alert passes the pipeline twice (once as context, once as its own alert).
  await expect(async () => {
    await page.reload();
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await row.getByRole("link").first().click();
  await ready(page, info);

  const trace = page.getByTestId("why-trace").getByTestId("escalation")
    .filter({ has: page.getByTestId("escalation-rule").getByText("Brute force then access", { exact: true }) });
  await expect(trace.getByTestId("escalation-rule")).toHaveText("Brute force then access");
  await expect(trace).toContainText(`user=${user}`);
  await expect(trace.getByTestId("escalation-outcomes")).toHaveText("raise to P1; assign to Incident response");
  await expect(trace.getByTestId("trace-event")).toHaveCount(6);
  await expect(trace.getByTestId("trace-event").first()).toContainText(`user ${user} from ${from}`);
  await expect(trace.getByTestId("trace-event").last()).toContainText("allow");
  await expect(page.getByTestId("incident-tier")).toHaveText("Incident response");
  await expect(page.getByTestId("event-log")).toContainText("Escalated by rule");

  // The alert Riposte raised carries the context of what it touched.
  await page.getByRole("link", { name: /Escalation rule held: Brute force then access/ }).first().click();
  await expect(page.getByTestId("context-packet")).toBeVisible();
  await expect(page.getByTestId("asset-matches")).toContainText("web01.demo.example");
});

test("an administrator reads the rules in force and a draft with a mistake is refused by name", async ({ page }, info) => {
  await signIn(page, info, "admin");
  await expect(page).not.toHaveURL(/sign-in/);
  await page.goto("/admin/escalation");
  await ready(page, info);
  await expect(page.getByRole("heading", { name: /In force: version \d+/ })).toBeVisible();
  await expect(page.getByTestId("escalation-rules").first()).toContainText("Brute force then access");
  await expect(page.getByTestId("rule-version").last()).toContainText("Version 1 · default");

  const editor = page.getByLabel("Rules (TOML)");
  await editor.fill('[[rule]]\nname = "Too eager"\nwhen = "score >= lots"\nthen = { priority = "P1" }\n');
  if (javascriptOn(info)) {
    await page.getByRole("button", { name: "Check" }).click();
    await expect(page.getByRole("alert")).toContainText('rule 1 ("Too eager"): when: at column 10');
  }
  await page.getByLabel("Why this change").fill("should not save");
  await page.getByRole("button", { name: "Save as a new version" }).click();
  await expect(page.getByRole("alert").first()).toContainText('rule 1 ("Too eager")');

  // A channel rules can page through; its secret path is never shown back.
  const name = `e2e-${info.project.name}-${Date.now()}`;
  await page.goto("/admin/escalation");
  await ready(page, info);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Kind").selectOption("slack");
  await page.getByLabel("Webhook address").fill("https://hooks.example.com/services/T0/B0/secret");
  await page.getByRole("button", { name: "Save channel" }).click();
  const channel = page.getByTestId("channels").getByRole("row").filter({ hasText: name });
  await expect(channel).toContainText("https://hooks.example.com/…");
  await expect(page.getByTestId("channels")).not.toContainText("secret");
});
