// Each demo role signs in, lands on its first section, sees exactly its navigation, and
// signs out; with JavaScript on and off.
import { expect } from "@playwright/test";
import { navLabels, ready, signIn, test } from "./helpers";

const roles = [
  { user: "tier1", label: "Tier 1 analyst", home: "/queue", nav: ["Queue", "Incidents"] },
  { user: "tier2", label: "Tier 2 analyst", home: "/queue", nav: ["Queue", "Incidents", "Containment", "Dashboards", "Context"] },
  { user: "ir", label: "Incident responder", home: "/queue", nav: ["Queue", "Incidents", "Containment", "Dashboards", "Context"] },
  { user: "noc", label: "Network operations", home: "/incidents", nav: ["Incidents", "Containment", "Dashboards"] },
  { user: "manager", label: "SOC manager", home: "/queue", nav: ["Queue", "Incidents", "Containment", "Dashboards"] },
  { user: "admin", label: "Administrator", home: "/queue", nav: ["Queue", "Incidents", "Containment", "Dashboards", "Context", "Admin"] },
];

for (const role of roles) {
  test(`${role.user} sees its navigation`, async ({ page }, info) => {
    await signIn(page, info, role.user);
    await expect(page).toHaveURL(role.home);
    await expect(page.getByTestId("signed-in-role")).toHaveText(role.label);
    expect(await navLabels(page)).toEqual(role.nav);

    await ready(page, info);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL("/sign-in");
    await page.goto(role.home);
    await expect(page).toHaveURL("/sign-in");
  });
}

test("a wrong password is refused with a clear message", async ({ page }, info) => {
  await signIn(page, info, "tier1", "definitely-not-it");
  await expect(page.getByRole("alert")).toHaveText("Wrong username or password.");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("a section outside the role says so", async ({ page }, info) => {
  await signIn(page, info, "noc");
  await expect(page).toHaveURL("/incidents");
  const response = await page.goto("/admin");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "Not available to your role" })).toBeVisible();
});

test("unknown addresses get the not-found page", async ({ page }) => {
  const response = await page.goto("/no/such/place");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});
