// The Tier 1 queue by keyboard, storm roll-up as an analyst sees it, and an administrator
// managing ingest tokens and storm policies; with JavaScript on and off where it applies.
import { expect } from "@playwright/test";
import { ingestToken, javascriptOn, ready, signIn, test } from "./helpers";

test("the queue is usable from the keyboard", async ({ page }, info) => {
  test.skip(!javascriptOn(info), "key bindings need JavaScript; rows are plain links without it");
  await signIn(page, info, "tier1");
  await expect(page).toHaveURL("/queue");
  await ready(page, info);
  const links = page.locator("[data-testid=alert-queue] tbody a.row-link");
  await expect(links.nth(2)).toBeVisible();
  await page.keyboard.press("j");
  await expect(links.nth(0)).toBeFocused();
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await expect(links.nth(2)).toBeFocused();
  await page.keyboard.press("k");
  await expect(links.nth(1)).toBeFocused();
  const title = await links.nth(1).textContent();
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("alert-title")).toHaveText(title!);
  await page.goBack();
  await ready(page, info);
  await page.keyboard.press("/");
  await expect(page.getByLabel("Entity")).toBeFocused();
});

test("a flood of one signature is one queue row with every alert behind it", async ({ page, request }, info) => {
  const source = `flood-${info.project.name}-${Date.now()}`;
  const token = ingestToken(source);
  const title = `ET SCAN flood ${source}`;
  const alerts = Array.from({ length: 26 }, (_, n) => ({ title, severity: "medium", source_ref: `${source}-${n}` }));
  const sent = await request.post("/api/v1/alerts", { headers: { Authorization: `Bearer ${token}` }, data: alerts });
  expect(sent.status()).toBe(200);

  await signIn(page, info, "tier1");
  await expect(page).toHaveURL("/queue");
  await page.goto(`/queue?source=${source}`);
  await ready(page, info);
  const rows = page.locator("[data-testid=alert-queue] tbody tr");
  await expect(rows).toHaveCount(21); // 20 shown one by one (the default threshold), then one storm row
  const storm = page.locator("a.storm-count");
  await expect(storm).toHaveText("×6");
  await storm.click();
  await expect(page.getByTestId("storm-members")).toBeVisible();
  await expect(rows).toHaveCount(5);
});

test("an administrator creates and revokes a token and sets a storm policy", async ({ page }, info) => {
  await signIn(page, info, "admin");
  await expect(page).toHaveURL("/queue");
  await page.goto("/admin/ingest");
  await ready(page, info);
  const name = `sensor ${info.project.name} ${Date.now()}`;
  const create = page.getByRole("form", { name: "Create token" });
  await create.getByLabel("Name").fill(name);
  await create.getByLabel("Source", { exact: true }).fill("zeek");
  await create.getByRole("button", { name: "Create" }).click();
  if (javascriptOn(info)) {
    await expect(page.getByTestId("new-token")).toHaveText(/^rip_\S{30,}$/);
  }
  const row = page.locator(`tr[data-token-name="${name}"]`);
  await expect(row).toContainText("zeek");
  await expect(row).toContainText("never");
  await ready(page, info);
  await row.getByRole("button", { name: "Revoke" }).click();
  await expect(page.locator(`tr[data-token-name="${name}"]`)).toContainText("revoked");

  const policy = page.getByRole("form", { name: "Set storm policy" });
  const source = `fw-${info.project.name}`;
  await policy.getByLabel("Source").fill(source);
  await policy.getByLabel("Threshold").fill("5");
  await policy.getByLabel("Group by").fill("src_ip, dst_ip");
  await policy.getByRole("button", { name: "Save" }).click();
  const saved = page.locator(`tr[data-storm-source="${source}"]`);
  await expect(saved).toContainText("src_ip, dst_ip");
  await expect(saved).toContainText("5");

  await ready(page, info);
  await policy.getByLabel("Source").fill(source);
  await policy.getByLabel("Group by").fill("src_port");
  await policy.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("alert")).toContainText("unknown storm field");
});
