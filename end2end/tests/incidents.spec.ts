// The shared incident workspace, with two people in two browsers: Tier 1 hands an incident
// to Tier 2, Tier 2 sees it arrive live (or on reload without JavaScript), acknowledges it,
// and Tier 1 sees the acknowledgement. Alert and comment content is attacker-controlled and
// must stay inert text on the incident page.
import { expect, type Page } from "@playwright/test";
import { ingestToken, javascriptOn, ready, signIn, test, watchErrors, eventually } from "./helpers";


test("Tier 1 hands an incident to Tier 2, who acknowledges it, live", async ({ page, browser, request }, info) => {
  const live = javascriptOn(info);
  const token = ingestToken("ids");
  const unique = `${info.project.name}-${Date.now()}`;
  const octet = 1 + (Date.now() % 250);
  const title = `<script>window.__xss=1</script>"><img src=x onerror="window.__xss=2"> Exploit ${unique}`;
  const sent = await request.post("/api/v1/alerts", {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      title,
      severity: "high",
      description: "javascript:alert(3)",
      attack_techniques: ["T1190"],
      entities: [
        { kind: "ip", value: `198.18.7.${octet}`, role: "source" },
        { kind: "host", value: `victim-${unique}` },
      ],
    },
  });
  expect(sent.status()).toBe(201);

  // Tier 1 finds the incident correlation opened and hands it off.
  await signIn(page, info, "tier1");
  await expect(page).toHaveURL("/queue");
  await page.goto("/incidents?queue=tier1");
  await ready(page, info);
  const row = page.getByRole("row").filter({ hasText: unique });
  await eventually(page, live, () => expect(row).toBeVisible({ timeout: 5_000 }));
  await row.getByRole("link").first().click();
  await ready(page, info);
  await expect(page.getByTestId("incident-title")).toContainText(`<script>window.__xss=1</script>`);
  await expect(page.getByTestId("narrative")).toContainText("Initial access");

  await page.getByLabel("Comment (Markdown)").fill(`**found it** [docs](javascript:alert(5)) <img src=x onerror="window.__xss=6">`);
  await page.getByRole("button", { name: "Comment", exact: true }).click();
  await expect(page.getByTestId("comments").locator("strong", { hasText: "found it" })).toBeVisible();
  await expect(page.getByTestId("comments")).toContainText(`<img src=x onerror="window.__xss=6">`);

  // Nothing from the alert or the comment became markup or a script link.
  await expect(page.locator("img")).toHaveCount(0);
  await expect(page.locator("a[href^='javascript:' i]")).toHaveCount(0);
  await expect(page.locator("script", { hasText: "__xss" })).toHaveCount(0);
  if (live) expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

  // Tier 2 is watching their queue in another browser.
  const other = await browser.newContext({ baseURL: info.project.use.baseURL, javaScriptEnabled: live });
  const tier2 = await other.newPage();
  const tier2Errors = watchErrors(tier2);
  await signIn(tier2, info, "tier2");
  await expect(tier2).not.toHaveURL(/sign-in/);
  await tier2.goto("/incidents?queue=tier2");
  await ready(tier2, info);
  const arriving = tier2.getByRole("row").filter({ hasText: unique });
  await expect(arriving).toHaveCount(0);

  await page.getByText("Hand off to another tier").click();
  const handOff = page.getByRole("form", { name: "Hand off" });
  await handOff.getByLabel("To").selectOption("tier2");
  await handOff.getByLabel("What was done and found").fill(`Exploit attempt from 198.18.7.${octet}; nothing blocked yet`);
  await handOff.getByLabel("Next actions").fill("Check the victim for a new service");
  await handOff.getByRole("button", { name: "Hand off" }).click();
  await expect(page.getByTestId("incident-tier")).toHaveText("Tier 2");

  // It appears for Tier 2 without a reload, flagged as waiting for them.
  await eventually(tier2, live, () => expect(arriving).toBeVisible({ timeout: 5_000 }));
  await expect(arriving.getByTestId("pending-handoff")).toContainText("Tier 2");
  await arriving.getByRole("link").first().click();
  await ready(tier2, info);
  await expect(tier2.getByTestId("handoffs")).toContainText("Check the victim for a new service");
  await tier2.getByRole("button", { name: "Acknowledge" }).click();
  await expect(tier2.getByTestId("incident-owner")).toHaveText("tier2");

  // Tier 1, still on the incident, sees the acknowledgement arrive.
  await eventually(page, live, () => expect(page.getByTestId("handoff-acknowledged")).toContainText("Acknowledged by tier2", { timeout: 5_000 }));
  await expect(page.getByTestId("event-log")).toContainText("acknowledged after");
  expect(tier2Errors, "script errors in Tier 2's browser").toEqual([]);
  await other.close();
});
