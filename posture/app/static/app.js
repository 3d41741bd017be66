// posture app: tabs, and the three parts of the page.
import { setUpAnalyse } from "./analyse.js";
import { setUpHistory, refreshHistory } from "./history.js";

function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== name;
  if (name === "history") refreshHistory();
}

for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
setUpAnalyse();
setUpHistory();
