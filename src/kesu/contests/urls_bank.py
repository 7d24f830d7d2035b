"""The item bank and the own contest's rules (views_bank, views_setup)."""

from django.urls import path

from kesu.contests import views_bank, views_setup

urlpatterns = [
    path("<int:pk>/bank/", views_bank.bank_page, name="bank"),
    path("<int:pk>/bank/import/", views_bank.BankImport.as_view(), name="bank_import"),
    path("<int:pk>/bank/template/", views_bank.bank_template, name="bank_template"),
    path("<int:pk>/bank/export/", views_bank.bank_export, name="bank_export"),
    path("<int:pk>/bank/copy/", views_bank.bank_copy, name="bank_copy"),
    path("<int:pk>/bank/lock/", views_bank.bank_lock, name="bank_lock"),
    path("<int:pk>/bank/items/<int:item_id>/edit/", views_bank.item_edit, name="bank_item_edit"),
    path("<int:pk>/bank/items/<int:item_id>/status/", views_bank.item_status, name="bank_item_status"),
    path("<int:pk>/rules/", views_setup.rules, name="rules"),
]
