"""研判: proposals the office judges before a department is told, and its decisions on signals."""
