// posture app: tabs, and the three parts of the page.
import { setUpAnalyse } from "./analyse.js";
import { setUpHistory, refreshHistory } from "./history.js";
import { setUpLive, stopLive } from "./live.js";

function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== name;
  if (name === "history") refreshHistory();
  if (name !== "live") stopLive();
}

for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
setUpAnalyse();
setUpHistory();
setUpLive();
