// Operations (issue 6).
