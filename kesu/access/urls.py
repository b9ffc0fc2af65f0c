from django.urls import path

from kesu.access import views

app_name = "access"
urlpatterns = [
    path("reveal/<str:number>/", views.reveal, name="reveal"),
    path("reveals/", views.reveals, name="reveals"),
]
