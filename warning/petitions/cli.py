"""`qingfeng reporter-key`: print a new reporter key for the operator."""

import click

from warning.petitions.keys import KEY_FILE_VARIABLE, KEY_VARIABLE, generate_key


@click.command("reporter-key")
def reporter_key() -> None:
    """Print a new key for encrypting reporter identities (keep it outside the database)."""
    click.echo(generate_key())
    click.echo(
        f"# 保存到 {KEY_VARIABLE}，或写入文件并以 {KEY_FILE_VARIABLE} 指向它；"
        "丢失密钥即无法解密举报人信息。",
        err=True,
    )
