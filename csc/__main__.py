from csc.cli import app

app()
