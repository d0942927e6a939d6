// Containment with three people: a Tier 2 analyst asks to block a critical asset from the
// incident (the blast radius and the need for a second person are shown before the click),
// an incident responder approves it in another browser, the action runs through a webhook
// connector to a device this test plays, and the NOC sees the exact change and acknowledges.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Browser, type Page, type TestInfo } from "@playwright/test";
import { apiToken, ingestToken, javascriptOn, ready, signIn, test, watchErrors, eventually } from "./helpers";

/** A device behind the generic webhook: keeps what it holds, answers `in_force`. */
async function device(): Promise<{ url: string; held: Set<string>; close: () => void }> {
  const held = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const order = JSON.parse(body || "{}");
      if (order.op === "apply") held.add(order.target);
      if (order.op === "undo") held.delete(order.target);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ in_force: held.has(order.target) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, held, close: () => server.close() };
}

/** The administrator adds a webhook connector aimed at `url`; returns its name. */
async function addWebhookConnector(page: Page, info: TestInfo, name: string, url: string): Promise<string> {
  await signIn(page, info, "admin");
  await expect(page).not.toHaveURL(/sign-in/);
  await page.goto("/admin/containment");
  await ready(page, info);
  await page.getByLabel("Name").first().fill(name);
  await page.getByLabel("Kind").first().selectOption("webhook");
  await page.getByLabel("Settings (JSON)").fill(JSON.stringify({ url }));
  await page.getByRole("button", { name: "Save connector" }).click();
  await expect(page.getByTestId("connectors")).toContainText(name);
  return name;
}

/** A second (or third) person in a browser of their own; their script errors are collected. */
async function person(browser: Browser, info: TestInfo, username: string, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: javascriptOn(info) });
  const page = await context.newPage();
  const seen = watchErrors(page);
  page.on("close", () => errors.push(...seen.map((e) => `${username}: ${e}`)));
  await signIn(page, info, username);
  await expect(page).not.toHaveURL(/sign-in/);
  return page;
}

test("Tier 2 asks to block a critical asset, a responder approves, the NOC acknowledges", async ({ page, browser, request }, info) => {
  test.setTimeout(90_000);
  const live = javascriptOn(info);
  const stamp = Date.now();
  const unique = `${info.project.name}-${stamp}`;
  const asset = `192.0.2.${1 + (stamp % 250)}`;
  const edge = await device();
  const errors: string[] = [];
  try {
    // The administrator adds the connector; the inventory knows the asset is critical.
    const connector = await addWebhookConnector(page, info, `edge-${unique}`, edge.url);
    const cmdb = apiToken("cmdb", "context");
    const created = await request.post("/api/v1/context/assets", {
      headers: { Authorization: `Bearer ${cmdb}` },
      data: { name: `pay-${unique}.corp.example`, addresses: [asset], criticality: 5, service: "Payments" },
    });
    expect(created.status()).toBe(201);
    const sent = await request.post("/api/v1/alerts", {
      headers: { Authorization: `Bearer ${ingestToken("ids")}` },
      data: {
        title: `Exfiltration from payment server ${unique}`,
        severity: "critical",
        entities: [
          { kind: "ip", value: asset, role: "source" },
          { kind: "ip", value: `203.0.113.${1 + (stamp % 250)}`, role: "destination" },
        ],
      },
    });
    expect(sent.status()).toBe(201);

    // Tier 2 opens the incident and asks for the block from the Contain panel.
    const analyst = await person(browser, info, "tier2", errors);
    await analyst.goto("/incidents?queue=all");
    await ready(analyst, info);
    const row = analyst.getByRole("row").filter({ hasText: unique });
    await eventually(analyst, live, () => expect(row).toBeVisible({ timeout: 5_000 }));
    await row.getByRole("link").first().click();
    await ready(analyst, info);
    const proposal = analyst.getByTestId("proposal").filter({ hasText: connector }).and(analyst.locator(`[data-target="${asset}"]`));
    await expect(proposal.getByTestId("blast-radius")).toContainText(`pay-${unique}.corp.example (criticality 5, Payments)`);
    await expect(proposal.getByTestId("needs-approval")).toContainText("Needs a second person");
    await proposal.getByLabel("Reason").fill("the payment server is sending card data out");
    await proposal.getByRole("button", { name: "Contain" }).click();
    // With its /32: "192.0.2.1" alone would also match an earlier run's 192.0.2.14.
    const mine = analyst.getByTestId("containment-action").filter({ hasText: `${asset}/32` });
    await eventually(analyst, live, () => expect(mine).toHaveAttribute("data-state", "awaiting_approval"));
    expect(edge.held.size, "nothing reaches the device before approval").toBe(0);

    // A responder approves it; it runs and is verified on the device.
    const responder = await person(browser, info, "ir", errors);
    await responder.goto("/containment");
    await ready(responder, info);
    const waiting = responder.getByTestId("containment-action").filter({ hasText: `${asset}/32` });
    await waiting.getByRole("button", { name: "Approve" }).click();
    await eventually(responder, live, () => expect(waiting).toHaveAttribute("data-state", "verified", { timeout: 15_000 }));
    expect(edge.held.has(`${asset}/32`)).toBe(true);

    // The NOC sees the exact change and acknowledges it.
    const noc = await person(browser, info, "noc", errors);
    await noc.goto("/containment");
    await ready(noc, info);
    const notice = noc.getByTestId("noc-notice").filter({ hasText: `block ${asset}/32 (both) applied on ${connector}` });
    await expect(notice).toHaveAttribute("data-open", "true");
    await notice.getByRole("button", { name: "Acknowledge" }).click();
    await eventually(noc, live, () => expect(noc.getByTestId("noc-notice").filter({ hasText: `block ${asset}/32` })).toContainText("seen by noc"));
    for (const p of [analyst, responder, noc]) await p.close();
    expect(errors, "script errors in the other browsers").toEqual([]);
  } finally {
    edge.close();
  }
});

test("an analyst blocks an attacker's address from the alert page in one click", async ({ page, browser, request }, info) => {
  test.setTimeout(60_000);
  const live = javascriptOn(info);
  const stamp = Date.now();
  const unique = `${info.project.name}-${stamp}`;
  // From the benchmarking range (198.18.0.0/15): 65,000 addresses, so runs and projects do not meet.
  const attacker = `198.18.${Math.floor(stamp / 250) % 256}.${1 + (stamp % 250)}`;
  const edge = await device();
  const errors: string[] = [];
  try {
    const connector = await addWebhookConnector(page, info, `alert-edge-${unique}`, edge.url);
    const sent = await request.post("/api/v1/alerts", {
      headers: { Authorization: `Bearer ${ingestToken("ids")}` },
      data: {
        title: `SSH brute force ${unique}`,
        severity: "high",
        entities: [{ kind: "ip", value: attacker, role: "source" }],
      },
    });
    expect(sent.status()).toBe(201);
    const { id } = await sent.json();

    // From the alert itself: the proposal names the connector and says where it is recorded.
    const analyst = await person(browser, info, "tier2", errors);
    await analyst.goto(`/alerts/${id}`);
    await ready(analyst, info);
    await eventually(analyst, false, () => expect(analyst.getByTestId("recorded-on")).toContainText("incident #", { timeout: 2_000 }));
    await ready(analyst, info);
    const panel = analyst.getByTestId("contain-panel");
    const proposal = panel.getByTestId("proposal").filter({ hasText: connector }).and(analyst.locator(`[data-target="${attacker}"]`));
    await expect(proposal.getByTestId("blast-radius")).toBeVisible();
    await expect(proposal.getByLabel("Reason")).not.toHaveValue("");
    // The webhook's device can block one way: the analyst keeps the attacker from reaching in.
    await proposal.getByLabel("Direction (blocks)").selectOption("inbound");
    await proposal.getByRole("button", { name: "Contain" }).click();
    if (live) await expect(panel).toContainText("Requested: see it on the incident or the Containment page.");

    // It runs at once (no second person for an outside address) and the device holds it.
    await analyst.goto("/containment");
    await ready(analyst, info);
    const action = analyst.getByTestId("containment-action").filter({ hasText: `${attacker}/32` });
    await eventually(analyst, live, () => expect(action).toHaveAttribute("data-state", "verified", { timeout: 15_000 }));
    await expect(action.getByTestId("action-what")).toHaveText(`block ${attacker}/32 (inbound)`);
    expect(edge.held.has(`${attacker}/32`)).toBe(true);
    await analyst.close();
    expect(errors, "script errors in the analyst's browser").toEqual([]);
  } finally {
    edge.close();
  }
});

test("an administrator protects an address and the Contain panel refuses it before the click", async ({ page, browser, request }, info) => {
  test.setTimeout(60_000);
  const live = javascriptOn(info);
  const stamp = Date.now();
  const unique = `${info.project.name}-${stamp}`;
  // From 192.88.99.0/24 (the retired 6to4 relays): no other test uses it.
  const relay = `192.88.99.${1 + (stamp % 250)}`;
  const edge = await device();
  const errors: string[] = [];
  try {
    const connector = await addWebhookConnector(page, info, `guard-edge-${unique}`, edge.url);
    const rails = page.getByTestId("guard-rails");
    await rails.getByLabel("Address or range").fill(relay);
    await rails.getByLabel("What it is").fill(`partner relay ${unique}`);
    await rails.getByRole("button", { name: "Protect" }).click();
    const entry = rails.getByTestId("protected").getByRole("row").filter({ hasText: `${relay}/32` });
    await expect(entry).toContainText(`partner relay ${unique}`);
    await expect(rails.getByLabel("Roles whose approval counts")).toHaveValue(/ir/);

    const sent = await request.post("/api/v1/alerts", {
      headers: { Authorization: `Bearer ${ingestToken("ids")}` },
      data: { title: `Beacon to relay ${unique}`, severity: "high", entities: [{ kind: "ip", value: relay, role: "destination" }] },
    });
    expect(sent.status()).toBe(201);
    const { id } = await sent.json();
    const analyst = await person(browser, info, "tier2", errors);
    await analyst.goto(`/alerts/${id}`);
    await ready(analyst, info);
    const proposal = analyst.getByTestId("proposal").filter({ hasText: connector }).and(analyst.locator(`[data-target="${relay}"]`));
    await eventually(analyst, false, () => expect(proposal.getByTestId("blast-radius")).toContainText(`is protected: partner relay ${unique}`, { timeout: 2_000 }));
    await analyst.close();

    // Taken off the list again: nothing is left behind for later runs.
    await entry.getByRole("button", { name: "Remove" }).click();
    await eventually(page, live, () => expect(rails.getByTestId("protected")).not.toContainText(`${relay}/32`));
    expect(errors, "script errors in the analyst's browser").toEqual([]);
  } finally {
    edge.close();
  }
});
