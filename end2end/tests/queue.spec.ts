// An alert sent over the API appears in a Tier 1 analyst's open queue without a reload
// (hydrated), or on the next load (no JavaScript); its page shows the payload as text.
import { expect } from "@playwright/test";
import { ingestToken, javascriptOn, ready, signIn, test } from "./helpers";

test("a new alert reaches the open queue", async ({ page, request }, info) => {
  const token = ingestToken();
  await signIn(page, info, "tier1");
  await expect(page).toHaveURL("/queue");
  await ready(page, info);

  const title = `Beacon to <b>c2</b> ${info.project.name} ${Date.now()}`;
  const sent = await request.post("/api/v1/alerts", {
    headers: { Authorization: `Bearer ${token}` },
    data: { title, severity: "high", entities: [{ kind: "ip", value: "203.0.113.66", role: "destination" }] },
  });
  expect(sent.status()).toBe(201);

  if (!javascriptOn(info)) await page.reload();
  const row = page.getByRole("row").filter({ hasText: title });
  await expect(row).toBeVisible();
  await expect(row).toContainText("203.0.113.66");

  await row.getByRole("link").click();
  await expect(page.getByTestId("alert-title")).toHaveText(title);
  await expect(page.getByTestId("raw-payload")).toContainText("<b>c2</b>");
  await expect(page.locator("b", { hasText: "c2" })).toHaveCount(0);
});

// Enrichment: an alert touching a listed address and a known asset shows its context packet
// and the score's explanation (demo inventory and watchlist, see server/src/cli/demo_context).
test("an alert page shows the context packet and why it scored", async ({ page, request }, info) => {
  const token = ingestToken();
  await signIn(page, info, "tier1");
  await expect(page).toHaveURL("/queue");
  const title = `Exploit attempt on the portal ${info.project.name} ${Date.now()}`;
  const sent = await request.post("/api/v1/alerts", {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      title,
      severity: "high",
      entities: [
        { kind: "ip", value: "82.165.177.154", role: "source" },
        { kind: "ip", value: "192.168.1.210", role: "destination" },
      ],
    },
  });
  expect(sent.status()).toBe(201);
  const { id } = await sent.json();
  // The pipeline enriches within a moment of the commit.
  await expect(async () => {
    await page.goto(`/alerts/${id}`);
    await expect(page.getByTestId("context-packet")).toBeVisible({ timeout: 1000 });
  }).toPass();
  await expect(page.getByTestId("triage-score")).toHaveText("Score 60");
  await expect(page.getByTestId("score-breakdown")).toContainText(
    "severity high (0.80) × criticality 4 (0.80) × exposure internet-facing (1.00) × intel confidence 80 (0.94)",
  );
  await expect(page.getByTestId("intel-matches")).toContainText("Demo watchlist: address seen in exploitation attempts");
  await expect(page.getByTestId("asset-matches")).toContainText("web01.demo.example");
});
