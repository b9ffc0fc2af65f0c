from django.urls import path

from kesu.intelligence import views

app_name = "intelligence"
urlpatterns = [
    path("c/<str:number>/panel/", views.panel, name="panel"),
    path("suggest/", views.live, name="live"),
    path("cases/", views.cases, name="cases"),
    path("repeat/<int:pk>/decide/", views.decide, name="decide"),
    path("manage/", views.manage, name="manage"),
    path("manage/retrain/", views.retrain, name="retrain"),
]
