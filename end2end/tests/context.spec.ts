// Context sources: a Tier 2 analyst imports a watchlist through the page's form; a clean file
// is stored and the job page says so; a file with bad rows stores nothing and names each row.
// Plain multipart forms, so the same steps work with JavaScript on and off.
import { expect } from "@playwright/test";
import { signIn, test } from "./helpers";

test("a watchlist import reports each bad row and stores nothing from a bad file", async ({ page }, info) => {
  await signIn(page, info, "tier2");
  await expect(page).toHaveURL("/queue");
  const feed = `e2e feed ${info.project.name} ${Date.now()}`;

  const send = async (name: string, csv: string) => {
    await page.goto("/context");
    const form = page.getByRole("form", { name: "Import a watchlist" });
    await form.getByLabel("List or feed name").fill(feed);
    await form.getByLabel("File").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
    await form.getByRole("button", { name: "Import watchlist" }).click();
    await expect(page).toHaveURL(/\/context\/imports\/\d+$/);
  };

  await send("good.csv", "type,value,confidence\nip,198.51.100.201,75\ndomain,e2e-bad.example,60\n");
  await expect(page.getByTestId("import-status")).toHaveText("imported", { timeout: 15_000 });
  await expect(page.getByText("2 stored, 0 skipped")).toBeVisible();

  await send("bad.csv", "type,value,confidence\nip,198.51.100.202,75\nip,198.51.100.999,75\n<b>hash</b>,x,1\n");
  await expect(page.getByTestId("import-status")).toHaveText("rejected", { timeout: 15_000 });
  const errors = page.getByTestId("import-errors");
  await expect(errors).toContainText('"198.51.100.999" is not a valid ip indicator');
  await expect(errors.getByRole("row")).toHaveCount(3); // header + rows 2 and 3
  await expect(errors).toContainText('unknown indicator type "<b>hash</b>"');
  await expect(page.locator("b", { hasText: "hash" })).toHaveCount(0);

  await page.goto("/context");
  const row = page.getByRole("row").filter({ hasText: feed }).filter({ hasText: "bad.csv" });
  await expect(row).toContainText("rejected");
});
