"""Samen Veilig: a platform for communities working together on local safety."""
