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
