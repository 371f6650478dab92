from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "samenveilig.accounts"
    label = "accounts"
