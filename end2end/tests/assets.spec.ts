// The asset inventory edited by hand: a Tier 2 analyst adds a domain controller, finds it by
// an address inside its range, is refused a save made against the version someone else has
// since changed (the CMDB sync, through the API), saves again on the fresh version, and
// deletes it. A watchlist is also fetched from a URL a feed publishes, browsed, and an
// indicator of it deleted.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "@playwright/test";
import { apiToken, ready, signIn, test } from "./helpers";

test("an analyst adds, finds, changes and deletes an asset, and a stale edit is refused", async ({ page, request }, info) => {
  const stamp = Date.now();
  const name = `dc-${info.project.name}-${stamp}.corp.example`;
  const prefix = `10.${stamp % 250}.${(stamp >> 8) % 250}`;
  await signIn(page, info, "tier2");
  await expect(page).not.toHaveURL(/sign-in/);
  await page.goto("/context");
  await page.getByRole("link", { name: "Browse and edit the asset inventory" }).click();
  await page.getByRole("link", { name: "New asset" }).click();
  await ready(page, info);
  const form = page.getByRole("form", { name: "Asset" });
  await form.getByLabel("Host name").fill(name);
  await form.getByLabel("Addresses and ranges (one per line)").fill(`${prefix}.0/24`);
  await form.getByLabel(/^Criticality/).fill("5");
  await form.getByLabel("Internet-facing").check();
  await form.getByLabel(/^Tags/).fill("domain-controller, DNS");
  await form.getByRole("button", { name: "Create asset" }).click();
  await expect(page).toHaveURL(/\/context\/assets\/\d+$/);
  await expect(page.getByTestId("asset-version")).toContainText("Version 1");
  const id = page.url().split("/").pop();

  // Found by an address inside its range.
  await page.goto("/context/assets");
  const search = page.getByRole("search", { name: "Search assets" });
  await search.getByLabel(/^Address, range/).fill(`${prefix}.77`);
  await search.getByRole("button", { name: "Search" }).click();
  const row = page.getByTestId("asset-table").getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("internet-facing");
  await expect(row).toContainText("dns, domain-controller");
  await row.getByRole("link", { name }).click();
  await ready(page, info);
  await expect(page.getByTestId("asset-version")).toContainText("Version 1");

  // Meanwhile the CMDB sync changes it through the API.
  const cmdb = apiToken("cmdb", "context");
  const current = await (await request.get(`/api/v1/context/assets/${id}`, { headers: { Authorization: `Bearer ${cmdb}` } })).json();
  const synced = await request.put(`/api/v1/context/assets/${id}`, {
    headers: { Authorization: `Bearer ${cmdb}` },
    data: { version: 1, asset: { ...current.asset, owner: "Directory team" } },
  });
  expect(synced.status()).toBe(200);

  // A save from the page still at version 1 is refused and says why.
  await form.getByLabel(/^Criticality/).fill("4");
  await form.getByRole("button", { name: "Save asset" }).click();
  await expect(page.getByRole("alert")).toContainText("changed this asset");
  await page.goto(`/context/assets/${id}`);
  await ready(page, info);
  await expect(page.getByTestId("asset-version")).toContainText("Version 2");
  await expect(form.getByLabel("Owner")).toHaveValue("Directory team");
  await form.getByLabel(/^Criticality/).fill("4");
  await form.getByRole("button", { name: "Save asset" }).click();
  await expect(page.getByTestId("asset-version")).toContainText("Version 3");
  await expect(form.getByLabel(/^Criticality/)).toHaveValue("4");

  await page.getByRole("button", { name: "Delete asset" }).click();
  await expect(page).toHaveURL(/\/context\/assets$/);
  await page.goto(`/context/assets?q=${encodeURIComponent(name)}`);
  await expect(page.getByText("No assets match.")).toBeVisible();
});

test("a watchlist is fetched from the URL a feed publishes", async ({ page }, info) => {
  const stamp = Date.now();
  const listed = `198.51.100.${stamp % 250}`;
  const publisher = http.createServer((req, res) => {
    if (req.url === "/c2.csv") {
      res.writeHead(200, { "Content-Type": "text/csv" }).end(`type,value,confidence\nip,${listed},80\n`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => publisher.listen(0, "127.0.0.1", done));
  const { port } = publisher.address() as AddressInfo;
  try {
    await signIn(page, info, "tier2");
    await expect(page).not.toHaveURL(/sign-in/);
    const feed = `url feed ${info.project.name} ${stamp}`;
    for (const [path, status] of [["c2.csv", "imported"], ["gone.csv", "rejected"]]) {
      await page.goto("/context");
      const form = page.getByRole("form", { name: "Import a watchlist" });
      await form.getByLabel("List or feed name").fill(feed);
      await form.getByLabel("or fetch it from a URL").fill(`http://127.0.0.1:${port}/${path}`);
      await form.getByRole("button", { name: "Import watchlist" }).click();
      await expect(page).toHaveURL(/\/context\/imports\/\d+$/);
      await expect(page.getByTestId("import-status")).toHaveText(status, { timeout: 15_000 });
    }
    await expect(page.getByTestId("import-errors")).toContainText(`/gone.csv answered 404 Not Found`);

    // Browsed by its source, then deleted: it stops matching.
    await page.goto("/context");
    await page.getByRole("link", { name: "Browse the watchlists" }).click();
    const search = page.getByRole("search", { name: "Search indicators" });
    await search.getByLabel("Source").fill(feed);
    await search.getByLabel("Value or address").fill(listed);
    await search.getByRole("button", { name: "Search" }).click();
    const table = page.getByTestId("indicator-table");
    await expect(table).toContainText(listed);
    await expect(page.getByTestId("indicator-count")).toHaveText("1–1 of 1");
    await table.getByRole("button", { name: "Delete" }).click();
    await expect(page.getByText("No indicators match.")).toBeVisible();
  } finally {
    publisher.close();
  }
});
