// Shared by the sandbox chat pages (filled in next).
