"""Pages of questionnaires under /vragenlijsten/ (see ``views`` for who may open which)."""

from django.urls import path

from samenveilig.questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    path("", views.questionnaire_list, name="list"),
    path("uploaden/", views.questionnaire_upload, name="upload"),
    path("<int:pk>/", views.questionnaire_detail, name="detail"),
    path("<int:pk>/antwoorden.csv", views.answers_csv, name="answers_csv"),
    path("<int:pk>/antwoorden.xlsx", views.answers_xlsx, name="answers_xlsx"),
    path("foto/<str:reference>.jpg", views.answer_photo, name="answer_photo"),
]
