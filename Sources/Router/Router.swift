// The router lives here (issue 4).
