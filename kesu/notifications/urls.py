from django.urls import path

from kesu.notifications import views

app_name = "notifications"
urlpatterns = [
    path("<str:number>/", views.crisis, name="crisis"),
]
