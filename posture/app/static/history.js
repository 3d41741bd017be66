// History and compare (filled in with the history stage).
export function setUpHistory() {}
export function refreshHistory() {}
