"""Pages of the community funds under /potten/ (see ``views`` for who may open which)."""

from django.urls import path

from samenveilig.funds import views

app_name = "funds"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.fund_detail, name="fund"),
    path("<slug:slug>/openen/", views.open_fund, name="open"),
    path("<slug:slug>/openbaar/", views.public, name="public"),
    path("<slug:slug>/penningmeester/", views.set_treasurer, name="treasurer"),
    path("<slug:slug>/inkomsten/", views.income, name="income"),
    path("<slug:slug>/export.csv", views.export, name="export"),
    path("<slug:slug>/declaraties/nieuw/", views.claim_new, name="claim_new"),
    path("<slug:slug>/declaraties/<int:pk>/", views.claim_detail, name="claim"),
    path("<slug:slug>/declaraties/<int:pk>/besluit/", views.decide, name="decide"),
    path("<slug:slug>/declaraties/<int:pk>/uitbetaald/", views.mark_paid, name="paid"),
    path("<slug:slug>/declaraties/<int:pk>/bon/", views.receipt, name="receipt"),
    path("<slug:slug>/correctie/<int:entry_pk>/", views.correct, name="correct"),
]
