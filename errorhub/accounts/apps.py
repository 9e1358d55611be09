from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "errorhub.accounts"
    label = "accounts"
    verbose_name = "Accounts"
