// The triage score's weights: an administrator proposes a weight, sees how it would have
// re-ranked the alerts of closed incidents (the back-test), and saves it.
import { expect, type Page } from "@playwright/test";
import { ingestToken, javascriptOn, ready, signIn, test } from "./helpers";

/** Calls a server function as the signed-in page would, returning its JSON. */
async function call(page: Page, name: string, form: Record<string, string>) {
  const reply = await page.request.post(`/api/${name}`, { form, headers: { Accept: "application/json" } });
  expect(reply.status(), await reply.text()).toBe(200);
  return reply.json();
}

test("an admin back-tests a weight on closed incidents and saves it", async ({ page, request }, info) => {
  // An alert on the demo domain controller (internal, criticality 5), closed as a true positive.
  const title = `Kerberoasting on the DC ${info.project.name} ${Date.now()}`;
  const source = `198.51.100.${info.project.name === "hydrated" ? 61 : 62}`;
  const sent = await request.post("/api/v1/alerts", {
    headers: { Authorization: `Bearer ${ingestToken()}` },
    data: {
      title,
      severity: "high",
      entities: [
        { kind: "ip", value: `${source}`, role: "source" },
        { kind: "ip", value: "10.16.1.11", role: "destination" },
      ],
    },
  });
  expect(sent.status()).toBe(201);
  await signIn(page, info, "admin");
  await expect(page).toHaveURL("/queue");
  let incident: { id: number; version: number } | undefined;
  await expect(async () => {
    const list = await call(page, "list_incidents", { queue: "all" });
    const found = list.find((i: { title: string }) => i.title === title);
    expect(found).toBeTruthy();
    incident = found;
  }).toPass();
  const detail = await call(page, "get_incident", { id: String(incident!.id) });
  await call(page, "update_incident", {
    id: String(incident!.id),
    version: String(detail.version),
    field: "status",
    value: "closed",
    classification: "true_positive",
  });

  await page.goto("/admin/scoring");
  await ready(page, info);
  const weights = page.getByRole("form", { name: "Weights" });
  await weights.getByLabel("Internal asset").fill("1");
  await weights.getByRole("button", { name: "Back-test" }).click();
  await expect(page).toHaveURL(/internal=1/);
  const backtest = page.getByTestId("backtest");
  await expect(backtest).toContainText("alerts of incidents closed in the last 30 days");
  await expect(backtest.getByRole("row").filter({ hasText: "Mean score, true positives" })).toBeVisible();

  await ready(page, info);
  await page.getByRole("button", { name: "Save these weights" }).click();
  if (javascriptOn(info)) await expect(page.getByRole("status")).toContainText("Weights saved");
  await expect(async () => {
    await page.goto("/admin/scoring");
    await expect(page.getByRole("form", { name: "Weights" }).getByLabel("Internal asset")).toHaveValue("1", { timeout: 1000 });
  }).toPass();
});
