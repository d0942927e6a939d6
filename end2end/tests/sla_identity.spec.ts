// SLA clocks and identity context end to end: a user's successful logons reach Riposte as
// Windows events; an alert about that user from a new address on a new host shows their
// sign-in pattern and the first-seen flags in its context packet. On the incident it
// opened, the acknowledge clock runs; an analyst pauses the clocks while waiting on the ISP,
// sees the pause on the page, in the queue and in the log, and resumes them.
import { expect } from "@playwright/test";
import { ingestToken, windowsLogon, ready, signIn, test } from "./helpers";

test("an analyst sees a user's sign-in pattern and pauses the SLA clocks while waiting on the ISP", async ({ page, request }, info) => {
  const stamp = Date.now();
  const user = `sla-${info.project.name}-${stamp}`;
  const usual = `198.18.${stamp % 250}.${1 + ((stamp >> 8) % 250)}`;
  const fresh = `198.19.${(stamp >> 4) % 250}.${1 + ((stamp >> 12) % 250)}`;
  const earlier = (hours: number) => new Date(stamp - hours * 3_600_000);
  const logons = [3, 2, 1].map((h, i) => windowsLogon("4624", user, usual, stamp * 10 + i, `ws-${stamp}.corp.example`, earlier(h))).join("\n");
  const sent = await request.post("/api/v1/events/windows", {
    headers: { Authorization: `Bearer ${ingestToken("windows")}`, "Content-Type": "application/x-ndjson" },
    data: logons,
  });
  expect(sent.status()).toBe(200);
  const alert = await request.post("/api/v1/alerts", {
    headers: { Authorization: `Bearer ${ingestToken("idp")}` },
    data: {
      title: `Admin console sign-in ${stamp}`,
      severity: "medium",
      event_time: new Date(stamp).toISOString(),
      entities: [
        { kind: "user", value: user },
        { kind: "host", value: `dc-${stamp}` },
        { kind: "ip", value: fresh, role: "source" },
      ],
    },
  });
  expect(alert.status()).toBe(201);
  const { id } = await alert.json();

  await signIn(page, info, "tier2");
  await expect(page).not.toHaveURL(/sign-in/);
  await expect(async () => {
    await page.goto(`/alerts/${id}`);
    await expect(page.getByTestId("identity-context")).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  const identity = page.getByTestId("identity-context");
  await expect(identity).toContainText(`${user}: 3 successful and 0 failed logons in 30 days`);
  await expect(identity).toContainText(`${usual} ×3`);
  await expect(page.getByTestId("identity-flags")).toContainText(`first logon by ${user} from ${fresh}`);
  await expect(page.getByTestId("identity-flags")).toContainText(`first logon by ${user} to dc-${stamp}`);

  // The incident it opened: its acknowledge clock runs until someone takes it up.
  await page.goto("/incidents?queue=all");
  await ready(page, info);
  const row = page.getByRole("row").filter({ hasText: `Admin console sign-in ${stamp}` });
  await expect(row.getByTestId("sla")).toContainText(/ack in \d+/);
  await row.getByRole("link").first().click();
  await ready(page, info);
  await expect(page.getByTestId("incident-sla")).toContainText(/ack in \d+/);

  const clocks = page.getByRole("form", { name: "SLA clocks" });
  await clocks.getByLabel("Waiting on (pauses the SLA clocks)").fill("ISP abuse desk");
  await clocks.getByLabel("Reason").fill("asked for a null route");
  await clocks.getByRole("button", { name: "Pause clocks" }).click();
  await expect(page.getByTestId("incident-sla")).toContainText("paused: waiting on ISP abuse desk");
  await expect(page.getByTestId("waiting-on")).toHaveText("SLA clocks paused: waiting on ISP abuse desk");
  await expect(page.getByTestId("event-log")).toContainText("SLA clocks paused: waiting on ISP abuse desk");

  await page.getByRole("form", { name: "SLA clocks" }).getByRole("button", { name: "Resume clocks" }).click();
  await expect(page.getByTestId("incident-sla")).toContainText(/ack in \d+/);
  await expect(page.getByTestId("event-log")).toContainText("SLA clocks resumed after waiting on ISP abuse desk");
});

test("an administrator changes an SLA target and a GeoIP path that does not exist is refused", async ({ page }, info) => {
  await signIn(page, info, "admin");
  await expect(page).not.toHaveURL(/sign-in/);
  await page.goto("/admin/escalation");
  await ready(page, info);
  const p4 = page.getByRole("form", { name: "P4 targets" });
  await p4.getByLabel("Acknowledge within (min)").fill("60");
  await p4.getByLabel("Contain within (min)").fill("30");
  await p4.getByRole("button", { name: "Save P4" }).click();
  await expect(page.getByRole("alert")).toContainText("P4: the time to contain cannot be shorter");

  await page.goto("/context");
  await ready(page, info);
  const geo = page.getByRole("form", { name: "GeoIP database paths" });
  await geo.getByLabel("City database").fill("/nowhere/GeoLite2-City.mmdb");
  await geo.getByRole("button", { name: "Save paths" }).click();
  await expect(page.getByRole("alert")).toContainText("GeoIP database /nowhere/GeoLite2-City.mmdb");
});
