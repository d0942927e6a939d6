// An administrator creates an account, the new user signs in, and disabling the account
// ends that user's open session at once; with JavaScript on and off.
import { expect } from "@playwright/test";
import { navLabels, ready, signIn, test, watchErrors } from "./helpers";

test("create, use and disable an account", async ({ browser }, info) => {
  const username = `e2e-${info.project.name}-${Date.now()}`;
  const password = "a long e2e password";

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const adminErrors = watchErrors(admin);
  await signIn(admin, info, "admin");
  await expect(admin).toHaveURL("/queue");
  await admin.goto("/admin");
  await ready(admin, info);
  const create = admin.getByRole("form", { name: "Create user" });
  await create.getByLabel("Username").fill(username);
  await create.getByLabel("Display name").fill("E2E Operator");
  await create.getByLabel("Role").selectOption("noc");
  await create.getByLabel("Password").fill(password);
  await create.getByRole("button", { name: "Create" }).click();
  const row = admin.locator(`tr[data-username="${username}"]`);
  await expect(row).toContainText("Active");

  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  const userErrors = watchErrors(user);
  await signIn(user, info, username, password);
  await expect(user).toHaveURL("/incidents");
  expect(await navLabels(user)).toEqual(["Incidents", "Containment", "Dashboards"]);

  await ready(admin, info);
  await row.getByRole("button", { name: "Disable" }).click();
  await expect(admin.locator(`tr[data-username="${username}"]`)).toContainText("Disabled");

  await user.goto("/containment");
  await expect(user).toHaveURL("/sign-in");
  await signIn(user, info, username, password);
  await expect(user.getByRole("alert")).toHaveText("Wrong username or password.");

  expect(adminErrors, "script errors (admin)").toEqual([]);
  expect(userErrors, "script errors (user)").toEqual([]);
  await adminContext.close();
  await userContext.close();
});

test("theme switch toggles light and dark", async ({ page }, info) => {
  test.skip(info.project.name === "no-js", "the theme switch is a script; without it the OS preference applies");
  await signIn(page, info, "manager");
  await expect(page).toHaveURL("/queue");
  const html = page.locator("html");
  await page.getByRole("button", { name: "Theme" }).click();
  const first = await html.getAttribute("data-theme");
  expect(["light", "dark"]).toContain(first);
  await page.getByRole("button", { name: "Theme" }).click();
  expect(await html.getAttribute("data-theme")).not.toBe(first);
  await page.reload();
  expect(await html.getAttribute("data-theme")).not.toBe(first);
});
